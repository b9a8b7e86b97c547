-- The claim (job_claim.sql: read it first) of a worker whose tasks or queues
-- have cluster-wide concurrency limits ($10: {"task": {name: cap}, "queue":
-- {name: cap}}; docs/flow_control.md, migration 13). Tasks and queues whose
-- limit is full are left out before the search, so jobs over a limit do not
-- take the batch from the others. A candidate under a limit is admitted only
-- as far as limit_grant() allows under that limit's lock, and each admitted
-- job holds its place in limit_holders while it runs (the claim raises its
-- attempt by one, and the rows are locked since `next`). The same parameters
-- as job_claim.sql otherwise; the search is the same (parts/claim_search.sql).
with allowed as materialized (
  select array(
           select q from unnest($1::text[]) as q
           where not exists (select 1 from {{schema}}.pauses p where p.kind = 'queue' and p.name = q and p.paused)
             and ($10::text::jsonb->'queue'->>q is null
                  or (select count(*) from {{schema}}.limit_holders h join {{schema}}.jobs r on r.id = h.job_id
                      where h.key = 'queue:' || q and r.attempt = h.attempt and r.state = 'running')
                     < ($10::text::jsonb->'queue'->>q)::integer)) as queues,
         array(
           select t from unnest($6::text[]) as t
           where not exists (select 1 from {{schema}}.pauses p where p.kind = 'task' and p.name = t and p.paused)
             and ($10::text::jsonb->'task'->>t is null
                  or (select count(*) from {{schema}}.limit_holders h join {{schema}}.jobs r on r.id = h.job_id
                      where h.key = 'task:' || t and r.attempt = h.attempt and r.state = 'running')
                     < ($10::text::jsonb->'task'->>t)::integer)) as tasks
),
-- include: claim_search
), limited as (
  -- Each candidate's places wanted, ranked in claim order within each limit.
  select n.id, n.attempt, k.key, k.cap, row_number() over (partition by k.key order by n.n) as rank
  from next n
  cross join lateral (values ('task:' || n.task, ($10::text::jsonb->'task'->>n.task)::integer),
                             ('queue:' || n.queue, ($10::text::jsonb->'queue'->>n.queue)::integer)) as k(key, cap)
  where $10::text is not null and k.cap is not null
), granted as (
  -- Limits in key order, so two claims wanting the same limits lock them in the same order.
  select key, {{schema}}.limit_grant(key, wanted, cap) as places
  from (select key, max(cap) as cap, count(*)::integer as wanted from limited group by key order by key offset 0) w
), refused as (
  select distinct l.id from limited l join granted g on g.key = l.key where l.rank > g.places
), held as (
  -- The claim below raises each job's attempt by one; the rows are locked since `next`.
  insert into {{schema}}.limit_holders (key, job_id, attempt)
  select l.key, l.id, l.attempt + 1 from limited l where not exists (select 1 from refused r where r.id = l.id)
  on conflict (key, job_id) do update set attempt = excluded.attempt
)
-- include: claim_update
  and not exists (select 1 from refused r where r.id = next.id)
returning j.id::text as id, j.attempt, j.uncharged, j.max_attempts, j.started_at is not null as started,
          coalesce(j.errors->-1->>'type' = 'WorkerLost', false) as suspect,
          j.priority, j.run_at, j.seq::float8 as seq, j.message,
          coalesce(j.expires_at <= now(), false) as expired, j.revoke
