-- Starts a canvas (docs/canvas.md) in one statement: its groups, its chords
-- and its first jobs, so a workflow exists exactly when its statement (or
-- the caller's transaction, $2 sql) commits. $1 is {jobs: [{message,
-- delayMs}], chords: [...], groups: [...]}; a job's delay is measured by the
-- database clock, as a countdown is. A job whose id was revoked before it was
-- sent is not inserted.
with input as (select $1::text::jsonb as l),
records as (
  select {{schema}}.canvas_records_save(l) as chords from input
), inserted as (
  insert into {{schema}}.jobs (id, queue, priority, run_at, expires_at, max_attempts, message, args_shown)
  select (j->'message'->>'id')::uuid, j->'message'->>'queue', (j->'message'->>'priority')::smallint,
         coalesce(now() + make_interval(secs => (j->>'delayMs')::float8 / 1000), (j->'message'->>'eta')::timestamptz, now()),
         (j->'message'->>'expires')::timestamptz, (j->'message'->>'maxRetries')::integer + 1, j->'message',
         coalesce(nullif(j->'argsShown', 'null'::jsonb),
                  case when (select exists (select 1 from {{schema}}.task_redactions)) then {{schema}}.args_by_rule(j->'message') end)
  from input, jsonb_array_elements(coalesce(l->'jobs', '[]')) as t(j)
  where not exists (select 1 from {{schema}}.results r where r.id = (j->'message'->>'id')::uuid and r.state = 'REVOKED')
  on conflict (id) do nothing
  returning queue
), woken as (
  select pg_notify('{{jobs_channel}}', queue) from (select distinct queue from inserted) q
)
select (select count(*) from inserted)::integer as inserted, (select count(*) from woken)::integer as woken,
       (select chords from records) as chords
