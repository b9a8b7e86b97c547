-- Claims up to $2 ready jobs of the queues $1 for worker $3 with a lease of
-- $4 ms. Each queue is read by its own index scan of jobs_claim (a LATERAL
-- per queue), because `queue = any($1)` cannot use the index order and would
-- sort every queued row on each claim. SKIP LOCKED lets concurrent workers
-- pass over each other's rows instead of waiting. Raising attempt gives this
-- claim its fencing token.
-- Only tasks the worker has ($6) are claimed, so in a rolling deploy an old
-- worker leaves a new task's jobs to the new workers instead of failing them;
-- a message whose task is not a string is claimed by anyone, to be failed as
-- invalid. The task's declared attempts ($7: {task: maxRetries + 1}) fill in
-- max_attempts when the message did not set it. A message of a newer
-- protocol than this worker's ($9) is left for a worker that understands it
-- (docs/upgrading.md); a `v` that is not a number is claimed, to be failed as
-- invalid. The first $8 rows (by claim
-- order) are marked started: the worker starts them at once; the rest wait in
-- its buffer and are marked when they start (job_start_many.sql), so a crash
-- charges only the jobs that ran (`suspect`: its last attempt was lost with
-- its worker; see job_unstart_many.sql). Tasks named in $5 acknowledge early
-- (at-most-once). `expired` is judged here by the database clock. RETURNING
-- does not keep the subquery's order, so priority, run_at and seq come back
-- for the caller.
with next as (
  select c.id, row_number() over (order by c.priority desc, c.run_at, c.seq) as n
  from unnest($1::text[]) as q(name)
  cross join lateral (
    select id, priority, run_at, seq
    from {{schema}}.jobs
    where state = 'queued' and queue = q.name and run_at <= now()
      and (message->>'task' = any($6::text[]) or jsonb_typeof(message->'task') is distinct from 'string')
      and (jsonb_typeof(message->'v') is distinct from 'number' or (message->>'v')::numeric <= $9::integer)
    order by priority desc, run_at, seq
    limit $2
    for update skip locked
  ) c
  order by c.priority desc, c.run_at, c.seq
  limit $2
)
update {{schema}}.jobs j
set state = 'running',
    attempt = j.attempt + 1,
    worker = $3,
    started_at = case when next.n <= $8 then now() end,
    lease_until = now() + make_interval(secs => $4::float8 / 1000),
    acks_late = not (j.message->>'task' = any($5::text[])),
    max_attempts = coalesce(j.max_attempts, ($7::text::jsonb->>(j.message->>'task'))::integer, 1)
from next
where j.id = next.id
returning j.id::text as id, j.attempt, j.uncharged, j.max_attempts, j.started_at is not null as started,
          coalesce(j.errors->-1->>'type' = 'WorkerLost', false) as suspect,
          j.priority, j.run_at, j.seq::float8 as seq, j.message,
          coalesce(j.expires_at <= now(), false) as expired, j.revoke
