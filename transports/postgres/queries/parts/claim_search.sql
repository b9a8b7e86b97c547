-- The claim's search, shared by job_claim.sql and job_claim_limited.sql
-- (scripts/gen_sql.ts puts it where they say `-- include: claim_search`): up
-- to $2 ready jobs of the queues and tasks in `allowed`, highest priority
-- first, then by due time and FIFO, each row locked or skipped. Read
-- job_claim.sql for why it is written this way.
next as (
  select picked.id, picked.task, picked.queue, picked.attempt,
         row_number() over (order by picked.priority desc, picked.run_at, picked.seq) as n
  from (
    select c.id, c.task, c.queue, c.attempt, c.priority, c.run_at, c.seq
    from generate_series(9, 0, -1) as p(priority)
    cross join lateral (
      select j.id, j.task, j.queue, j.attempt, j.priority, j.run_at, j.seq
      from unnest((select queues from allowed)) as q(name)
      cross join lateral (
        select id, message->>'task' as task, queue, attempt, priority, run_at, seq
        from {{schema}}.jobs
        where state = 'queued' and queue = q.name and priority = p.priority and run_at <= now()
          and (message->>'task' = any((select tasks from allowed)::text[]) or jsonb_typeof(message->'task') is distinct from 'string')
          and (jsonb_typeof(message->'v') is distinct from 'number' or (message->>'v')::numeric <= $9::integer)
        order by run_at, seq
        limit $2
        for update skip locked
      ) j
      order by j.run_at, j.seq
    ) c
    limit $2
  ) picked
