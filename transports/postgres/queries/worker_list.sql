-- Registered workers with whether their heartbeat is recent enough ($1 ms)
-- to count them as alive, by the database clock.
select id, app, host, pid, queues, concurrency, tasks, tq_version, protocol, limits, started_at, heartbeat_at,
       pool, prefetch, running, succeeded::float8, failed::float8, retried::float8, events,
       heartbeat_at > now() - make_interval(secs => $1::float8 / 1000) as alive
from {{schema}}.workers
order by started_at
