-- Adds a run-time schedule ($1..$9); with $10 replaces a run-time one of the
-- same name, keeping its last fire time unless the timing changed. Never
-- overwrites a schedule defined in code. Returns whether it was written and
-- what held the name before (the subquery sees the table as it was when the
-- statement began).
with put as (
  insert into {{schema}}.schedules as s (name, task, kind, spec, tz, args, kwargs, options, missed, source)
  values ($1, $2, $3, $4, $5, $6::text::jsonb, $7::text::jsonb, $8::text::jsonb, $9, 'runtime')
  on conflict (name) do update
    set task = excluded.task, kind = excluded.kind, spec = excluded.spec, tz = excluded.tz,
        args = excluded.args, kwargs = excluded.kwargs, options = excluded.options,
        last_fire_at = case when (s.kind, s.spec, s.tz) is distinct from (excluded.kind, excluded.spec, excluded.tz)
                            then greatest(s.last_fire_at, now()) else s.last_fire_at end,
        missed = excluded.missed, updated_at = now()
    where $10::boolean and s.source = 'runtime'
  returning name
)
select (select count(*) from put)::integer as written,
       (select source from {{schema}}.schedules where name = $1) as previous_source
