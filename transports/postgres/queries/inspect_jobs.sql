-- Jobs in the hot table for `tq inspect active` ($1 = 'active': handlers
-- running; claimed jobs still waiting in a worker's buffer are `reserved`) or
-- `scheduled` ($1 = 'scheduled': waiting for a later time), of task $3 when
-- given, at most $2, oldest first. Arguments as tq shows them (args_shown,
-- migration 0010), never the hidden ones.
select j.id::text as id, j.message->>'task' as task, j.queue, j.priority, j.state, j.attempt, j.worker,
       j.run_at, j.started_at, j.created_at, j.lease_until, coalesce(j.args_shown->'args', j.message->'args') as args,
       (j.message->>'retries')::integer as retries
from {{schema}}.jobs j
where case when $1 = 'active' then j.state = 'running' and j.started_at is not null
           else j.state = 'queued' and j.run_at > now() end
  and ($3::text is null or j.message->>'task' = $3::text)
order by case when $1 = 'active' then j.started_at else j.run_at end
limit $2
