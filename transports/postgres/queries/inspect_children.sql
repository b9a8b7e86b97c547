-- The tasks sent by task $1: waiting or running ones, and finished ones.
select j.id::text as id, j.message->>'task' as task, case when j.state = 'running' then 'STARTED' else 'PENDING' end as state
from {{schema}}.jobs j where j.message->>'parentId' = $1::text
union all
select r.id::text, r.task, r.state from {{schema}}.results r where r.parent_id = $1::uuid
