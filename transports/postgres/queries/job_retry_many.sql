-- Puts failed jobs that have retries left back in their queue: one update of
-- each row (never a delete and re-insert), fenced by (id, attempt), carrying
-- the message with its raised retry count, a run_at in the future, and the
-- attempt's error added to the history. Returns the ids that counted (the
-- rest were fenced: another worker holds them now).
-- `state <> 'queued'` is "running", written so the rows are taken by primary
-- key, not through the lease index (docs/performance.md, step 12). `id = any(...)`
-- keeps it so in a plan made when the table was nearly empty (step 13).
with input as (
  select (e->>'id')::uuid as id,
         (e->>'attempt')::integer as attempt,
         (e->>'delayMs')::float8 as delay_ms,
         e->'message' as message,
         e->'error' as error
  from jsonb_array_elements($1::text::jsonb) as t(e)
), retried as (
  update {{schema}}.jobs j
  set state = 'queued', worker = null, lease_until = null, started_at = null,
      run_at = now() + make_interval(secs => i.delay_ms / 1000),
      message = i.message,
      errors = {{schema}}.error_history_add(j.errors, jsonb_build_object(
        'attempt', j.attempt, 'at', now(), 'type', i.error->>'type', 'message', i.error->>'message'))
  from input i
  where j.id = i.id and j.attempt = i.attempt and j.state <> 'queued' and j.id = any(array(select id from input))
  returning j.id, j.queue
), woken as (
  select pg_notify('{{jobs_channel}}', queue) from (select distinct queue from retried) q
)
select (select coalesce(array_agg(id::text), '{}') from retried) as done, (select count(*) from woken)::integer as woken
