-- Workers alive (a heartbeat within $1 ms, by the database clock) whose code
-- does not know migration $2: a breaking migration must wait for them. A
-- worker of a tq before 0012 recorded nothing, so it knows none of the new ones.
select id, host, pid, tq_version, migrations_known
from {{schema}}.workers
where heartbeat_at > now() - make_interval(secs => $1::float8 / 1000)
  and coalesce(migrations_known, 0) < $2
order by started_at
