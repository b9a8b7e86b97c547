-- Finds running jobs whose lease ran out (their worker died or hung), at
-- most $3 per statement (the transport repeats while batches come back full).
-- A job that had not started (it waited in the dead worker's buffer) goes
-- back uncharged: it did not run, so it did not fail. A started job that
-- acknowledges late, has charged attempts left and was not revoked goes back
-- with the loss in its error history (at-least-once); revoked ones end as
-- REVOKED; the rest fail with WorkerLost. SKIP LOCKED keeps two sweeping
-- workers, or a sweep and a completion, from blocking each other.
with expired as (
  select id from {{schema}}.jobs
  where state = 'running' and lease_until < now()
  order by lease_until
  limit $3
  for update skip locked
), requeued as (
  update {{schema}}.jobs j
  set state = 'queued', worker = null, lease_until = null, started_at = null,
      uncharged = j.uncharged + case when j.started_at is null then 1 else 0 end,
      errors = case when j.started_at is null then j.errors else {{schema}}.error_history_add(j.errors, jsonb_build_object(
        'attempt', j.attempt, 'at', now(), 'type', 'WorkerLost',
        'message', 'The worker running this task (' || coalesce(j.worker, 'unknown') || ') stopped renewing its lease.')) end
  from expired e
  where j.id = e.id and j.id = any(array(select id from expired)) and j.revoke is null
    and (j.started_at is null or (j.acks_late and j.attempt - j.uncharged < j.max_attempts))
  returning j.queue
), ended as (
  delete from {{schema}}.jobs j
  using expired e
  where j.id = e.id and j.id = any(array(select id from expired))
    and not (j.revoke is null and (j.started_at is null or (j.acks_late and j.attempt - j.uncharged < j.max_attempts)))
  returning j.id, j.message->>'task' as task, j.attempt - j.uncharged as attempts, j.worker, j.acks_late, j.revoke,
            j.errors, j.interruptions, j.message, j.queue, j.meta, j.args_shown, j.grp
), saved as (
  insert into {{schema}}.results (id, task, state, error, meta, attempts, worker, finished_at, expires_at, errors, interruptions, message, queue, args_shown, grp)
  select id, task, case when revoke is not null then 'REVOKED' else 'FAILURE' end,
         case when revoke is not null then jsonb_build_object('type', 'TaskRevoked', 'code', 'TASK_REVOKED', 'message', 'The task was revoked while it ran.')
         else jsonb_build_object(
           'type', 'WorkerLost', 'code', 'WORKER_LOST',
           'message', 'The worker running this task (' || coalesce(worker, 'unknown') || ') stopped before it finished, '
             || case when acks_late then 'and the task has no attempts left (' || attempts || ' made).'
                     else 'and the task acknowledges early (acksLate: false), so it is not run again.' end) end,
         meta, attempts, worker, now(),
         now() + make_interval(secs => (case when revoke is null then $2 else $1 end)::float8 / 1000),
         case when revoke is not null then errors else {{schema}}.error_history_add(errors, jsonb_build_object(
           'attempt', attempts, 'at', now(), 'type', 'WorkerLost',
           'message', 'The worker running this task (' || coalesce(worker, 'unknown') || ') stopped renewing its lease.')) end,
         interruptions, case when revoke is null then message end, queue, case when revoke is null then args_shown end,
         case when revoke is null then nullif(grp, '') end
  from ended
  on conflict (id) do nothing
  returning id, state
), chorded as (
  -- Chains and chords of the jobs that ended here: see canvas_ended() (migration 11).
  select {{schema}}.canvas_ended(jsonb_agg(jsonb_build_object(
           'id', id, 'message', message,
           'state', case when revoke is not null then 'REVOKED' else 'FAILURE' end,
           'error', jsonb_build_object('type', case when revoke is not null then 'TaskRevoked' else 'WorkerLost' end,
                                       'message', 'The worker running it (' || coalesce(worker, 'unknown') || ') stopped before it finished.'))), $2::float8)
  from ended
  where message ? 'chain' or message ? 'chord'
  having count(*) > 0
), woken as (
  select pg_notify('{{jobs_channel}}', queue) from (select distinct queue from requeued) q
), told as (
  -- At most 200 ids fit a notification's payload; waiters of others poll.
  select pg_notify('{{results_channel}}', string_agg(id::text, ','))
  from (select id from saved limit 200) s having count(*) > 0
)
select (select count(*) from expired)::integer as expired,
       (select count(*) from requeued)::integer as requeued,
       (select count(*) from saved where state = 'FAILURE')::integer as failed,
       (select count(*) from saved where state = 'REVOKED')::integer as revoked,
       (select count(*) from woken)::integer as woken,
       (select count(*) from told)::integer as told,
       (select count(*) from chorded)::integer as chorded
