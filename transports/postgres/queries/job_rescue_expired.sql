-- Finds running jobs whose lease ran out (their worker died or hung). Those
-- that acknowledge late and have attempts left go back to their queue
-- (at-least-once); the rest fail with WorkerLost. SKIP LOCKED keeps two
-- sweeping workers, or a sweep and a completion, from blocking each other.
with expired as (
  select id from {{schema}}.jobs
  where state = 'running' and lease_until < now()
  order by lease_until
  limit 1000
  for update skip locked
), requeued as (
  update {{schema}}.jobs j
  set state = 'queued', worker = null, lease_until = null, started_at = null
  from expired e
  where j.id = e.id and j.acks_late and j.attempt < j.max_attempts
  returning j.queue
), lost as (
  delete from {{schema}}.jobs j
  using expired e
  where j.id = e.id and not (j.acks_late and j.attempt < j.max_attempts)
  returning j.id, j.message->>'task' as task, j.attempt, j.worker, j.acks_late
), failed as (
  insert into {{schema}}.results (id, task, state, error, attempts, worker, finished_at, expires_at)
  select id, task, 'FAILURE',
         jsonb_build_object(
           'type', 'WorkerLost',
           'message', 'The worker running this task (' || coalesce(worker, 'unknown') || ') stopped before it finished, '
             || case when acks_late then 'and the task has no attempts left (' || attempt || ' made).'
                     else 'and the task acknowledges early (acksLate: false), so it is not run again.' end),
         attempt, worker, now(), now() + make_interval(secs => $1::float8 / 1000)
  from lost
  on conflict (id) do nothing
  returning id
), woken as (
  select pg_notify('{{jobs_channel}}', queue) from (select distinct queue from requeued) q
)
select (select count(*) from requeued)::integer as requeued,
       (select count(*) from failed)::integer as failed,
       (select count(*) from woken)::integer as woken
