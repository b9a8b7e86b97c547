-- Forgets sent ticks after a day, in bounded chunks. Beat never looks at a
-- tick at or before its schedule's last_fire_at again, so old keys only
-- guard against a leader that is a day behind.
with doomed as (
  select schedule, fire_at from {{schema}}.beat_ticks
  where sent_at < now() - interval '1 day'
  limit 5000
)
delete from {{schema}}.beat_ticks b using doomed d where b.schedule = d.schedule and b.fire_at = d.fire_at
