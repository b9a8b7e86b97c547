-- The state of each id: a stored result when there is one, otherwise the
-- job's place in the hot table (STARTED while running, RETRY when queued after
-- a failure, PENDING when queued, claimed but not started, or unknown, as in
-- Celery), with the progress meta, error history (charged attempts) and
-- interruptions it has so far.
select i.id::text as id,
       coalesce(r.state,
                case when j.state = 'running' and j.started_at is not null then 'STARTED'
                     when j.state = 'queued' and (j.message->>'retries')::integer > 0 then 'RETRY'
                     else 'PENDING' end) as state,
       coalesce(r.task, j.message->>'task') as task,
       r.value, r.error, coalesce(r.meta, j.meta) as meta, coalesce(r.attempts, j.attempt - j.uncharged) as attempts,
       r.finished_at, coalesce(r.errors, j.errors, '[]') as errors,
       coalesce(r.interruptions, j.interruptions, '[]') as interruptions
from unnest($1::uuid[]) as i(id)
left join {{schema}}.results r on r.id = i.id
left join {{schema}}.jobs j on j.id = i.id
