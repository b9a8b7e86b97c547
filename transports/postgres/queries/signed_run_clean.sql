-- Deletes, in bounded chunks, the replay records of signed jobs
-- (signed_runs, migration 16) whose messages are past their maximum age:
-- a copy of one of them is refused as too old.
with doomed as (
  select id from {{schema}}.signed_runs where until < now() limit 5000 for update skip locked
)
delete from {{schema}}.signed_runs s using doomed d where s.id = d.id
