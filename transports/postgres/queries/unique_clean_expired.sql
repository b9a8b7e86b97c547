-- Deletes unique keys whose window passed and whose job has left the hot
-- table, in bounded chunks; a key still in use is never touched.
with doomed as (
  select u.key from {{schema}}.uniques u
  where u.until < now() and not exists (select 1 from {{schema}}.jobs j where j.id = u.job_id)
  limit 5000
  for update skip locked
)
delete from {{schema}}.uniques u using doomed d where u.key = d.key
