-- Pauses or resumes schedule $1. Resuming starts from now: the ticks that
-- fell while it was paused are not owed.
update {{schema}}.schedules
set enabled = $2::boolean,
    last_fire_at = case when $2::boolean and not enabled then greatest(last_fire_at, now()) else last_fire_at end,
    updated_at = now()
where name = $1
returning name
