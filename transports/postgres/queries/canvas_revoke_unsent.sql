-- Marks ids $1 that are neither queued, running nor finished as REVOKED: the
-- steps of a revoked workflow that were not sent yet (a chain's later steps,
-- a chord's callback). Whoever would send them later skips an id revoked so.
insert into {{schema}}.results (id, state, error, attempts, finished_at, expires_at)
select i.id, 'REVOKED', jsonb_build_object('type', 'TaskRevoked', 'code', 'TASK_REVOKED', 'message', $3::text), 0, now(),
       now() + make_interval(secs => $2::float8 / 1000)
from unnest($1::uuid[]) as i(id)
where not exists (select 1 from {{schema}}.jobs j where j.id = i.id)
on conflict (id) do nothing
returning id::text as id
