-- One statement per heartbeat: registers or refreshes the worker row and
-- extends the lease of every job the worker holds. Only the database clock
-- decides lease times.
with registered as (
  insert into {{schema}}.workers (id, app, host, pid, queues, concurrency, tasks)
  values ($1, $2, $3, $4, $5::text[], $6, $7::text[])
  on conflict (id) do update set heartbeat_at = now()
  returning id
), extended as (
  update {{schema}}.jobs
  set lease_until = now() + make_interval(secs => $8::float8 / 1000)
  where worker = $1 and state = 'running'
  returning id
)
select (select count(*) from registered)::integer as registered, (select count(*) from extended)::integer as extended
