-- Pauses ($3 true) or resumes queue or task $2 (kind $1) cluster-wide, and
-- tells the workers, which stop starting its jobs (docs/flow_control.md).
-- Returns whether it was paused before.
with before as (
  select paused from {{schema}}.pauses where kind = $1 and name = $2
), saved as (
  insert into {{schema}}.pauses as p (kind, name, paused, updated_at)
  values ($1, $2, $3::boolean, now())
  on conflict (kind, name) do update set paused = excluded.paused, updated_at = now()
  returning name
)
select coalesce((select paused from before), false) as was_paused,
       (select pg_notify('{{control_channel}}', json_build_object('type', 'settings', $1::text, name)::text) from saved) is not null as notified
