-- What `tq doctor` judges (core/doctor.ts), read in one statement: workers
-- dead for more than $1 ms (their heartbeat) that still hold running jobs,
-- running jobs whose lease ran out more than $2 ms ago (no worker sweeps
-- them), queued tasks that no live worker has registered, the hot tables'
-- live and dead rows, sizes and vacuums, autovacuum, and connections.
with live as (
  select tasks, queues from {{schema}}.workers where heartbeat_at > now() - make_interval(secs => $1::float8 / 1000)
), dead_holders as (
  select w.id, w.host, w.pid, extract(epoch from now() - w.heartbeat_at) * 1000 as silent_ms, count(j.id)::integer as jobs
  from {{schema}}.workers w join {{schema}}.jobs j on j.worker = w.id and j.state = 'running'
  where w.heartbeat_at <= now() - make_interval(secs => $1::float8 / 1000)
  group by w.id, w.host, w.pid, w.heartbeat_at
), overdue as (
  select count(*)::integer as jobs, extract(epoch from now() - min(lease_until)) * 1000 as oldest_ms
  from {{schema}}.jobs where state = 'running' and lease_until < now() - make_interval(secs => $2::float8 / 1000)
), unregistered as (
  select j.message->>'task' as task, j.queue, count(*)::integer as jobs
  from {{schema}}.jobs j
  where j.state = 'queued' and exists (select 1 from live l where j.queue = any(l.queues))
    and not exists (select 1 from live l where j.queue = any(l.queues) and j.message->>'task' = any(l.tasks))
  group by 1, 2
), tables as (
  select c.relname as name, coalesce(s.n_live_tup, 0)::bigint as live, coalesce(s.n_dead_tup, 0)::bigint as dead,
         pg_table_size(c.oid)::bigint as table_bytes, pg_indexes_size(c.oid)::bigint as index_bytes,
         greatest(s.last_vacuum, s.last_autovacuum) as last_vacuum
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace
  left join pg_stat_user_tables s on s.relid = c.oid
  where n.nspname = $3 and c.relname in ('jobs', 'results') and c.relkind = 'r'
)
select (select coalesce(json_agg(d), '[]') from dead_holders d) as dead_holders,
       (select row_to_json(o) from overdue o) as overdue,
       (select coalesce(json_agg(u), '[]') from unregistered u) as unregistered,
       (select coalesce(json_agg(t), '[]') from tables t) as tables,
       current_setting('autovacuum') = 'on' as autovacuum,
       current_setting('max_connections')::integer as max_connections,
       current_setting('superuser_reserved_connections')::integer as reserved_connections,
       (select count(*)::integer from pg_stat_activity where backend_type = 'client backend') as connections,
       (select count(*)::integer from live) as live_workers,
       array(select c.relname::text from pg_class c join pg_namespace n on n.oid = c.relnamespace
             where n.nspname = $3 and c.relkind in ('r', 'i')) as relations
