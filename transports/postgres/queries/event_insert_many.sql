-- Stores a batch of events (a JSON array) in one statement; the transport
-- wakes `tq events` after the commit.
insert into {{schema}}.events (type, clock, at, task_id, task, worker, data)
select e->>'type', (e->>'clock')::bigint, (e->>'at')::timestamptz, (e->>'taskId')::uuid, e->>'task', e->>'worker',
       coalesce(e->'data', '{}')
from jsonb_array_elements($1::text::jsonb) as t(e)
