-- Moves schedule $1 past skipped ticks up to $2, never backwards.
update {{schema}}.schedules set last_fire_at = greatest(last_fire_at, $2::timestamptz) where name = $1
