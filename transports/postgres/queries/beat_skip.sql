-- Moves schedule $1 past skipped ticks up to $2, never backwards. A one-shot
-- (at) schedule whose only tick was skipped (its missed policy) is finished,
-- and deleted like one that fired.
with finished as (
  delete from {{schema}}.schedules where name = $1 and kind = 'at'
)
update {{schema}}.schedules set last_fire_at = greatest(last_fire_at, $2::timestamptz)
where name = $1 and kind <> 'at'
