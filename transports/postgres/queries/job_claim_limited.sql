-- The claim (job_claim.sql: read it first) of a worker whose tasks or queues
-- have cluster-wide concurrency limits ($11: {"task": {name: cap}, "queue":
-- {name: cap}, "taskPerGroup": {name: cap}, "queuePerGroup": {name: cap}};
-- docs/flow_control.md, migrations 13 and 15). Tasks and queues whose
-- limit is full are left out before the search, so jobs over a limit do not
-- take the batch from the others. A candidate under a limit is admitted only
-- as far as limit_grant() allows under that limit's lock, and each admitted
-- job holds its place in limit_holders while it runs (the claim raises its
-- attempt by one, and the rows are locked since `next`). A group's cap is a
-- limit of its own, keyed by group_limit_key(); the search already passes
-- over groups and tasks whose group cap is full. The same parameters as
-- job_claim.sql otherwise; the search is the same (parts/claim_search.sql).
with recursive allowed as materialized (
  select array(
           select q from unnest($1::text[]) as q
           where not exists (select 1 from {{schema}}.pauses p where p.kind = 'queue' and p.name = q and p.paused)
             and ($11::text::jsonb->'queue'->>q is null
                  or {{schema}}.limit_used('queue:' || q) < ($11::text::jsonb->'queue'->>q)::integer)) as queues,
         array(
           select t from unnest($6::text[]) as t
           where not exists (select 1 from {{schema}}.pauses p where p.kind = 'task' and p.name = t and p.paused)
             and ($11::text::jsonb->'task'->>t is null
                  or {{schema}}.limit_used('task:' || t) < ($11::text::jsonb->'task'->>t)::integer)) as tasks,
         nullif($11::text::jsonb->'taskPerGroup', '{}'::jsonb) as group_task_caps,
         nullif($11::text::jsonb->'queuePerGroup', '{}'::jsonb) as group_queue_caps,
         -- Parsed once here: parsing $11 for each candidate cost a third of the claim.
         $11::text::jsonb as caps
),
-- include: claim_search
, limited as (
  -- Each candidate's places wanted, ranked in claim order within each limit.
  select n.id, n.attempt, k.key, k.cap, row_number() over (partition by k.key order by n.n) as rank
  from next n
  cross join (select caps from allowed) as a
  cross join lateral (values ('task:' || n.task, (a.caps->'task'->>n.task)::integer),
                             ('queue:' || n.queue, (a.caps->'queue'->>n.queue)::integer),
                             ({{schema}}.group_limit_key('task', n.task, n.grp), (a.caps->'taskPerGroup'->>n.task)::integer),
                             ({{schema}}.group_limit_key('queue', n.queue, n.grp), (a.caps->'queuePerGroup'->>n.queue)::integer)) as k(key, cap)
  where k.cap is not null and k.key is not null
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
), claimed as (
-- include: claim_update
  and not exists (select 1 from refused r where r.id = next.id)
-- include: claim_returning
)
-- include: claim_result
