-- Finishes a batch: removes each job from the hot table and stores its result
-- in one statement. A row only counts when (id, attempt) still match a
-- running job, so a stale worker or a completion that raced the rescue sweep
-- changes nothing. A failure adds its error to the attempt history and keeps
-- the message (for `tq retry`) for $3 ms instead of $2, with what tq shows of
-- its arguments (args_shown, migration 0010) and its group (migration 18). Follow-up messages
-- (errbacks) are inserted in the same statement, only for rows that counted,
-- so each is sent exactly once. A success with "store": false (ignoreResult)
-- leaves no result row: the queue's floor cost, one DELETE. The stored ids
-- come back for the transport to announce to waiters of AsyncResult.get()
-- after the commit (see transport.ts: a NOTIFY inside this transaction would
-- serialise every completing worker's commit behind one lock). The batch is
-- also counted per queue in queue_stats. The ids that counted come back, so
-- the worker logs success only for results it stored and reports the rest
-- (fenced: another worker holds the job now) as discarded.
-- Message signing (docs/security.md): a verified job ("sealUntil") leaves
-- its id in signed_runs, so a copy of its message is refused later; a
-- refused copy ("drop") is only removed, leaving the first run's result and
-- workflow untouched.
-- `state <> 'queued'` is "running", written so the rows are taken by primary
-- key, not through the lease index (docs/performance.md, step 12). `id = any(...)`
-- keeps it so in a plan made when the table was nearly empty (step 13).
with input as (
  select (e->>'id')::uuid as id,
         (e->>'attempt')::integer as attempt,
         e->>'state' as state,
         e->'value' as value,
         e->'error' as error,
         coalesce(e->'followUps', '[]'::jsonb) as follow_ups,
         e->'launch' as launch,
         coalesce((e->>'store')::boolean, true) as store,
         coalesce((e->>'drop')::boolean, false) as drop_only,
         (e->>'sealUntil')::timestamptz as seal_until
  from jsonb_array_elements($1::text::jsonb) as t(e)
), done as (
  delete from {{schema}}.jobs j
  using input i
  where j.id = i.id and j.attempt = i.attempt and j.state <> 'queued' and j.id = any(array(select id from input))
  returning j.id, j.message->>'task' as task, j.attempt, j.attempt - j.uncharged as attempts, j.worker, j.errors, j.interruptions,
            j.meta, j.message, j.queue, j.created_at, j.started_at, j.args_shown, j.run_at, j.grp
), saved as (
  insert into {{schema}}.results (id, task, state, value, error, meta, attempts, worker, finished_at, expires_at, errors, interruptions,
                                  message, queue, parent_id, root_id, sent_at, started_at, args_shown, grp)
  select d.id, d.task, i.state, i.value, i.error, d.meta, d.attempts, d.worker, now(),
         now() + make_interval(secs => (case when i.state = 'FAILURE' then $3 else $2 end)::float8 / 1000),
         case when i.state = 'FAILURE' and i.error is not null
              then {{schema}}.error_history_add(d.errors, jsonb_build_object(
                     'attempt', d.attempt, 'at', now(), 'type', i.error->>'type', 'message', i.error->>'message'))
              else d.errors end,
         d.interruptions,
         case when i.state = 'FAILURE' then d.message end,
         d.queue, (d.message->>'parentId')::uuid, (d.message->>'rootId')::uuid, d.created_at, d.started_at,
         case when i.state = 'FAILURE' then d.args_shown end,
         case when i.state = 'FAILURE' then nullif(d.grp, '') end
  from done d join input i on i.id = d.id
  where (i.store or i.state <> 'SUCCESS') and not i.drop_only
  on conflict (id) do update
    set task = excluded.task, state = excluded.state, value = excluded.value, error = excluded.error,
        meta = excluded.meta, attempts = excluded.attempts, worker = excluded.worker,
        finished_at = excluded.finished_at, expires_at = excluded.expires_at, errors = excluded.errors, interruptions = excluded.interruptions,
        message = excluded.message, queue = excluded.queue, parent_id = excluded.parent_id,
        root_id = excluded.root_id, sent_at = excluded.sent_at, started_at = excluded.started_at, args_shown = excluded.args_shown,
        grp = excluded.grp
  returning id
), counted as (
  -- Throughput for `tq inspect queues`: one row per queue, minute and worker.
  -- With the run and wait times of the jobs that started (migration 17), for the dashboard's chart.
  insert into {{schema}}.queue_stats as s (queue, minute, worker, succeeded, failed, run_ms, wait_ms, timed)
  select d.queue, date_trunc('minute', now()), coalesce(d.worker, ''),
         count(*) filter (where i.state = 'SUCCESS'), count(*) filter (where i.state <> 'SUCCESS'),
         coalesce(sum(extract(epoch from now() - d.started_at) * 1000), 0),
         coalesce(sum(greatest(extract(epoch from d.started_at - d.run_at) * 1000, 0)), 0),
         count(d.started_at)
  from done d join input i on i.id = d.id
  -- A refused copy of a signed message that already ran ("drop") is neither: it only leaves.
  where not i.drop_only
  group by d.queue, d.worker
  on conflict (queue, minute, worker) do update
    set succeeded = s.succeeded + excluded.succeeded, failed = s.failed + excluded.failed,
        run_ms = s.run_ms + excluded.run_ms, wait_ms = s.wait_ms + excluded.wait_ms, timed = s.timed + excluded.timed
), followed as (
  -- Errbacks (messages), and the jobs a workflow starts next ({message, delayMs}).
  insert into {{schema}}.jobs (id, queue, priority, run_at, max_attempts, message, args_shown)
  select (m->>'id')::uuid, m->>'queue', (m->>'priority')::smallint,
         coalesce(now() + make_interval(secs => (f->>'delayMs')::float8 / 1000), (m->>'eta')::timestamptz, now()),
         (m->>'maxRetries')::integer + 1, m,
         case when (select exists (select 1 from {{schema}}.task_redactions)) then {{schema}}.args_by_rule(m) end
  from done d join input i on i.id = d.id
  cross join lateral jsonb_array_elements(i.follow_ups || coalesce(i.launch->'jobs', '[]')) as t(f)
  cross join lateral (select coalesce(f->'message', f) as m) as msg
  where not exists (select 1 from {{schema}}.results r where r.id = (m->>'id')::uuid and r.state = 'REVOKED')
  on conflict (id) do nothing
  returning queue
), records as (
  -- The groups and chords a workflow starts next (canvas_records_save, migration 11).
  select sum({{schema}}.canvas_records_save(i.launch)) as chords
  from done d join input i on i.id = d.id
  where i.launch is not null
), chorded as (
  -- Chains and chords of the jobs that ended here (only rows that counted): see canvas_ended().
  select {{schema}}.canvas_ended(jsonb_agg(jsonb_build_object('id', d.id, 'state', i.state, 'error', i.error, 'message', d.message)), $3::float8) as ready
  from done d join input i on i.id = d.id
  where (d.message ? 'chain' or d.message ? 'chord') and not i.drop_only
  having count(*) > 0
), sealed as (
  insert into {{schema}}.signed_runs (id, until)
  select d.id, i.seal_until from done d join input i on i.id = d.id
  where i.seal_until is not null
  on conflict (id) do update set until = greatest({{schema}}.signed_runs.until, excluded.until)
), woken as (
  select pg_notify('{{jobs_channel}}', queue) from (select distinct queue from followed) q
)
select (select count(*) from done)::integer as completed,
       (select coalesce(array_agg(id::text), '{}') from done) as done,
       (select array_agg(id::text) from saved) as stored,
       (select count(*) from woken)::integer as woken,
       (select ready from chorded) as chords_ready,
       (select chords from records) as chords_saved
