-- Deletes expired results in bounded chunks so one sweep never holds long locks.
with doomed as (
  select id from {{schema}}.results where expires_at < now() limit 5000 for update skip locked
)
delete from {{schema}}.results r using doomed d where r.id = d.id
