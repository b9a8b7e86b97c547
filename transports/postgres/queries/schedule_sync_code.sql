-- Makes the code-defined schedules match the leading beat's app: upserts the
-- definitions in $1 (a JSON array), keeping each one's last fire time and
-- enabled flag (`tq beat disable` outlives a deploy; a changed timing starts
-- from now, owing nothing), and deletes code schedules the app no longer
-- defines. A definition takes over a run-time schedule of the same name.
-- A one-shot (at) definition whose time has passed is not written unless it
-- is stored: it fired and was deleted then (or it was created too late to be
-- owed anything), and writing it back would list it again for good.
-- Returns the names deleted.
with input as (
  select d->>'name' as name, d->>'task' as task, d->>'kind' as kind, d->>'spec' as spec, d->>'tz' as tz,
         coalesce(d->'args', '[]') as args, coalesce(d->'kwargs', '{}') as kwargs,
         coalesce(d->'options', '{}') as options, d->>'missed' as missed, (d->>'enabled')::boolean as enabled
  from jsonb_array_elements($1::text::jsonb) as t(d)
), upserted as (
  insert into {{schema}}.schedules as s (name, task, kind, spec, tz, args, kwargs, options, missed, enabled, source)
  select name, task, kind, spec, tz, args, kwargs, options, missed, enabled, 'code' from input i
  -- case, not and: a cron or every spec must never reach the cast.
  where case when i.kind = 'at'
             then i.spec::timestamptz > now() or exists (select 1 from {{schema}}.schedules x where x.name = i.name)
             else true end
  on conflict (name) do update
    set task = excluded.task, kind = excluded.kind, spec = excluded.spec, tz = excluded.tz,
        args = excluded.args, kwargs = excluded.kwargs, options = excluded.options, missed = excluded.missed,
        enabled = case when s.source = 'code' then s.enabled else excluded.enabled end,
        last_fire_at = case when (s.kind, s.spec, s.tz) is distinct from (excluded.kind, excluded.spec, excluded.tz)
                            then greatest(s.last_fire_at, now()) else s.last_fire_at end,
        source = 'code',
        updated_at = case
          when (s.task, s.kind, s.spec, s.tz, s.args, s.kwargs, s.options, s.missed, s.source)
               is not distinct from (excluded.task, excluded.kind, excluded.spec, excluded.tz, excluded.args,
                                     excluded.kwargs, excluded.options, excluded.missed, 'code')
          then s.updated_at else now() end
  returning name
), removed as (
  delete from {{schema}}.schedules s
  where s.source = 'code' and not exists (select 1 from input i where i.name = s.name)
  returning name
)
select name from removed
