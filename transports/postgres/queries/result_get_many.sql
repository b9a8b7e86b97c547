-- The state of each id: a stored result when there is one, otherwise the
-- job's place in the hot table (STARTED while running, RETRY when queued after
-- a failure, PENDING when queued or unknown, as in Celery), with the progress
-- meta and error history it has so far.
select i.id::text as id,
       coalesce(r.state,
                case when j.state = 'running' then 'STARTED'
                     when j.state = 'queued' and (j.message->>'retries')::integer > 0 then 'RETRY'
                     else 'PENDING' end) as state,
       coalesce(r.task, j.message->>'task') as task,
       r.value, r.error, coalesce(r.meta, j.meta) as meta, coalesce(r.attempts, j.attempt) as attempts,
       r.finished_at, coalesce(r.errors, j.errors, '[]') as errors
from unnest($1::uuid[]) as i(id)
left join {{schema}}.results r on r.id = i.id
left join {{schema}}.jobs j on j.id = i.id
