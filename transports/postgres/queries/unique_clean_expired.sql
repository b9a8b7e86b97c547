-- Deletes unique keys whose window passed and whose job has left the hot
-- table, in bounded chunks; a key still in use is never touched. The
-- statement's snapshot decides most keys cheaply: a job it sees is in use.
-- A job it does not see is asked of job_in_queue() (fresh snapshot, see
-- migration 0006) before the row goes: a racing sender may have taken the key
-- over for a new job after this statement began, and FOR UPDATE then
-- rechecks this condition on that latest version of the row.
with doomed as (
  select u.key from {{schema}}.uniques u
  where u.until < now()
    and case when exists (select 1 from {{schema}}.jobs j where j.id = u.job_id) then false
             else not {{schema}}.job_in_queue(u.job_id) end
  limit 5000
  for update skip locked
)
delete from {{schema}}.uniques u using doomed d where u.key = d.key
