-- Claims up to $2 ready jobs of the queues $1 for worker $3 with a lease of
-- $4 ms. Each queue is read by its own index scan of jobs_claim (a LATERAL
-- per queue), because `queue = any($1)` cannot use the index order and would
-- sort every queued row on each claim. SKIP LOCKED lets concurrent workers
-- pass over each other's rows instead of waiting. Raising attempt gives this
-- claim its fencing token. Tasks named in $5 acknowledge early (at-most-once):
-- their rows are marked so the rescue sweep fails them instead of rerunning.
-- `expired` is judged here by the database clock. RETURNING does not keep the
-- subquery's order, so priority, run_at and seq come back for the caller.
with next as (
  select c.id
  from unnest($1::text[]) as q(name)
  cross join lateral (
    select id, priority, run_at, seq
    from {{schema}}.jobs
    where state = 'queued' and queue = q.name and run_at <= now()
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
    started_at = now(),
    lease_until = now() + make_interval(secs => $4::float8 / 1000),
    acks_late = not (j.message->>'task' = any($5::text[]))
from next
where j.id = next.id
returning j.id::text as id, j.attempt, j.priority, j.run_at, j.seq::float8 as seq, j.message,
          coalesce(j.expires_at <= now(), false) as expired, j.revoke
