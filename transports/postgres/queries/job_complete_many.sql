-- Finishes a batch: removes each job from the hot table and stores its result
-- in one statement. A row only counts when (id, attempt) still match a
-- running job, so a stale worker or a completion that raced the rescue sweep
-- changes nothing. One notification carries the finished ids for waiters of
-- AsyncResult.get() (the caller keeps batches small enough for its payload).
with input as (
  select (e->>'id')::uuid as id,
         (e->>'attempt')::integer as attempt,
         e->>'state' as state,
         e->'value' as value,
         e->'error' as error
  from jsonb_array_elements($1::text::jsonb) as t(e)
), done as (
  delete from {{schema}}.jobs j
  using input i
  where j.id = i.id and j.attempt = i.attempt and j.state = 'running'
  returning j.id, j.message->>'task' as task, j.attempt, j.worker
), saved as (
  insert into {{schema}}.results (id, task, state, value, error, attempts, worker, finished_at, expires_at)
  select d.id, d.task, i.state, i.value, i.error, d.attempt, d.worker, now(),
         now() + make_interval(secs => $2::float8 / 1000)
  from done d join input i on i.id = d.id
  on conflict (id) do update
    set task = excluded.task, state = excluded.state, value = excluded.value, error = excluded.error,
        attempts = excluded.attempts, worker = excluded.worker, finished_at = excluded.finished_at,
        expires_at = excluded.expires_at
  returning id
)
select count(*)::integer as completed,
       case when count(*) > 0 then pg_notify('{{results_channel}}', string_agg(id::text, ',')) end as notified
from saved
