-- The claim's search, shared by job_claim.sql and job_claim_limited.sql
-- (scripts/gen_sql.ts puts it where they say `-- include: claim_search`): up
-- to $2 ready jobs of the queues and tasks in `allowed`, each row locked or
-- skipped. Read job_claim.sql for why it is written this way.
-- Every read of jobs here says `state <> 'running'` where one would expect
-- `state = 'queued'`: the same rows (a job in this table is one or the
-- other, by its check constraint), but only jobs_claim_groups (migration 15)
-- has that predicate, so the planner cannot choose jobs_claim, which older
-- workers still read, and which cannot serve these conditions well: without
-- statistics on a fresh table it did, and a claim took 50 times as long.
-- Jobs without a group, highest priority first, then by due time and FIFO.
plain as (
  select c.id, c.task, c.queue, c.attempt, c.priority, c.run_at, c.seq,
         row_number() over (order by c.priority desc, c.run_at, c.seq) as rank
  from (
    select c.id, c.task, c.queue, c.attempt, c.priority, c.run_at, c.seq
    from generate_series(9, 0, -1) as p(priority)
    cross join lateral (
      select j.id, j.task, j.queue, j.attempt, j.priority, j.run_at, j.seq
      from unnest((select queues from allowed)) as q(name)
      cross join lateral (
        select id, message->>'task' as task, queue, attempt, priority, run_at, seq
        from {{schema}}.jobs
        where state <> 'running' and queue = q.name and grp = '' and priority = p.priority and run_at <= now()
          and (message->>'task' = any((select tasks from allowed)::text[]) or jsonb_typeof(message->'task') is distinct from 'string')
          and (jsonb_typeof(message->'v') is distinct from 'number' or (message->>'v')::numeric <= $9::integer)
        order by run_at, seq
        limit $2
        for update skip locked
      ) j
      order by j.run_at, j.seq
    ) c
    limit $2
  ) c
),
-- Each queue's groups in name order, starting after the group this
-- worker's last claim ended on ($10: {queue: group}) and going round to the
-- start, until $2 of them have a job ready: a turn each. Groups with nothing
-- ready (all scheduled for later) are passed over, up to 2 * $2 + 32 of them
-- per claim. Each group costs a few index probes, so a claim costs the same
-- with 10 groups as with 100,000.
walk(queue, cursor, grp, lap, step, turns, ready) as (
  select q.name, $10::text::jsonb->>q.name, coalesce($10::text::jsonb->>q.name, ''), 0, 0, 0, false
  from unnest((select queues from allowed)) as q(name)
  union all
  select w.queue, w.cursor, f.grp, f.lap, w.step + 1, w.turns + r.ready::integer, r.ready
  from walk w
  cross join lateral (
    select x.grp, x.lap from (
      select (select j.grp from {{schema}}.jobs j where j.state <> 'running' and j.queue = w.queue and j.grp > w.grp order by j.grp limit 1), w.lap
      union all
      select (select j.grp from {{schema}}.jobs j where j.state <> 'running' and j.queue = w.queue and j.grp > '' order by j.grp limit 1), 1
      where w.lap = 0 and w.cursor is not null
    ) x(grp, lap)
    where x.grp is not null
    limit 1
  ) f
  -- Ready: a job due now at some priority (one bounded probe per priority, as in `plain`).
  -- (LIMIT keeps each probe a lookup: a plain EXISTS became a hash join reading the whole group.)
  cross join lateral (
    select exists (select 1 from generate_series(9, 0, -1) as p(priority)
                   cross join lateral (select 1 from {{schema}}.jobs j
                                       where j.state <> 'running' and j.queue = w.queue and j.grp = f.grp and j.priority = p.priority
                                         and j.run_at <= now()
                                       limit 1) as due) as ready
  ) r
  where w.turns < $2 and w.step < 2 * $2 + 32 and (f.lap = 0 or f.grp <= w.cursor)
),
-- The groups that take a turn: not those whose queue-wide group cap is full.
-- Each gets an equal share of the batch, and leaves out the tasks whose
-- per-group cap it has filled.
turns as (
  select w.queue, w.grp, w.lap, w.step,
         ceil($2::numeric / count(*) over (partition by w.queue))::integer as share,
         case when (select group_task_caps from allowed) is null then '{}'::text[] else
           array(select t.key from jsonb_each_text((select group_task_caps from allowed)) as t
                 where {{schema}}.limit_used({{schema}}.group_limit_key('task', t.key, w.grp)) >= t.value::integer) end as full_tasks
  from walk w
  where w.ready
    and ((select group_queue_caps from allowed)->>w.queue is null
         or {{schema}}.limit_used({{schema}}.group_limit_key('queue', w.queue, w.grp)) < ((select group_queue_caps from allowed)->>w.queue)::integer)
),
-- Each group's share, by priority within the group, then due time and FIFO
-- (walking the priorities down, as `plain` does).
grouped as (
  select g.id, g.task, g.queue, g.grp, g.attempt, g.priority, g.run_at, g.seq, t.lap, t.step,
         row_number() over (partition by g.queue, g.grp order by g.priority desc, g.run_at, g.seq) as rank
  from turns t
  cross join lateral (
    select c.id, c.task, c.queue, c.grp, c.attempt, c.priority, c.run_at, c.seq
    from generate_series(9, 0, -1) as p(priority)
    cross join lateral (
      select id, message->>'task' as task, queue, grp, attempt, priority, run_at, seq
      from {{schema}}.jobs
      where state <> 'running' and queue = t.queue and grp = t.grp and priority = p.priority and run_at <= now()
        and (message->>'task' = any((select tasks from allowed)::text[]) or jsonb_typeof(message->'task') is distinct from 'string')
        and not (message->>'task' = any(t.full_tasks))
        and (jsonb_typeof(message->'v') is distinct from 'number' or (message->>'v')::numeric <= $9::integer)
      order by run_at, seq
      limit t.share
      for update skip locked
    ) c
    limit t.share
  ) g
),
-- Round robin: every group's first job (the jobs without a group count as
-- one group, and go first), then every group's second, and so on.
next as (
  select id, task, queue, grp, attempt,
         row_number() over (order by rank, lap, step, priority desc, run_at, seq) as n
  from (
    select id, task, queue, null::text as grp, attempt, priority, run_at, seq, rank, -1 as lap, 0 as step from plain
    union all
    select id, task, queue, grp, attempt, priority, run_at, seq, rank, lap, step from grouped
  ) candidates
  order by n
  limit $2
),
-- Where this worker's next claim starts in each queue with groups: after
-- the last group that gave this claim a job, else after the last one walked
-- (so groups with nothing ready now do not hold the turn).
cursor as (
  select distinct on (w.queue) w.queue, w.grp
  from walk w
  where w.step > 0
  order by w.queue, exists (select 1 from next n where n.queue = w.queue and n.grp = w.grp) desc, w.lap desc, w.step desc
)
