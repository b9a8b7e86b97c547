-- Claims up to $2 ready jobs of the queues $1 for worker $3 with a lease of
-- $4 ms: jobs without a group highest priority first, then by due time and
-- FIFO across the queues, and grouped jobs (the send option `group`,
-- migration 15) by turns between the groups (see parts/claim_search.sql).
-- Each (priority, queue) is read by its own range scan of jobs_claim_groups
-- (queue, grp = '', priority desc, run_at, seq) that ends at now(): `queue = any($1)` cannot use
-- the index order, and a scan over all priorities would read every future
-- job that sorts ahead of the due ones (a higher priority, or an idle poll
-- with 1,000,000 jobs scheduled for later). Priorities are walked from 9 down
-- and the walk stops once $2 rows are taken, so lower priorities are not read
-- or locked (docs/performance.md). SKIP LOCKED lets concurrent workers
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
-- Paused queues and tasks are left out (docs/flow_control.md, migration 13).
-- This is the claim of a worker without concurrency limits; one with limits
-- runs job_claim_limited.sql, the same claim with the limits' work added
-- (docs/performance.md, W10). The search itself, shared by both, is in
-- parts/claim_search.sql. `id = any(...)` makes the update take its rows by
-- primary key even in a plan made when the table was nearly empty (step 13).
with recursive allowed as materialized (
  select array(select q from unnest($1::text[]) as q
               where not exists (select 1 from {{schema}}.pauses p where p.kind = 'queue' and p.name = q and p.paused)) as queues,
         array(select t from unnest($6::text[]) as t
               where not exists (select 1 from {{schema}}.pauses p where p.kind = 'task' and p.name = t and p.paused)) as tasks,
         null::jsonb as group_task_caps,
         null::jsonb as group_queue_caps
),
-- include: claim_search
, claimed as (
-- include: claim_update
-- include: claim_returning
)
-- include: claim_result
