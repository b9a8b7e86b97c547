-- Stores a batch of events (a JSON array) in one statement; the transport
-- wakes `tq events` after the commit. An event marked argsByRule (task-sent
-- from a sender without the task's code) shows its arguments by the task's
-- stored redaction rule, if it has one (migration 0010, docs/security.md).
insert into {{schema}}.events (type, clock, at, task_id, task, worker, data)
select e->>'type', (e->>'clock')::bigint, (e->>'at')::timestamptz, (e->>'taskId')::uuid, e->>'task', e->>'worker',
       case when (e->>'argsByRule')::boolean and (select exists (select 1 from {{schema}}.task_redactions))
            then coalesce(jsonb_set(e->'data', '{args}', {{schema}}.args_by_rule(jsonb_build_object('task', e->>'task', 'args', e->'data'->'args'))->'args'), e->'data')
            else coalesce(e->'data', '{}') end
from jsonb_array_elements($1::text::jsonb) as t(e)
