-- Per queue: waiting jobs ready now, scheduled for later, running, failed
-- (kept in results), finished in the last minute and hour (with their
-- average run and wait times, migration 17), and the age of
-- the oldest ready job; every queue that has jobs, failures, recent work or
-- a live consumer (heartbeat younger than $1 ms). With the groups that have
-- jobs waiting, and the cap per group live workers declare (migration 15).
with names as (
  select queue from {{schema}}.jobs
  union select queue from {{schema}}.results where state = 'FAILURE' and queue is not null
  union select queue from {{schema}}.queue_stats where minute > now() - interval '1 hour'
  union select unnest(queues) from {{schema}}.workers where heartbeat_at > now() - make_interval(secs => $1::float8 / 1000)
  union select name from {{schema}}.pauses where kind = 'queue' and paused
), jobs as (
  select queue,
         count(*) filter (where state = 'queued' and run_at <= now()) as queued,
         count(*) filter (where state = 'queued' and run_at > now()) as scheduled,
         count(*) filter (where state = 'running') as running,
         count(distinct grp) filter (where state = 'queued' and grp <> '') as groups,
         extract(epoch from now() - min(run_at) filter (where state = 'queued' and run_at <= now())) * 1000 as oldest_ms
  from {{schema}}.jobs group by queue
), failed as (
  select queue, count(*) as failed from {{schema}}.results where state = 'FAILURE' group by queue
), done as (
  select queue,
         sum(succeeded + failed) filter (where minute >= date_trunc('minute', now()) - interval '1 minute') as last_minute,
         sum(succeeded + failed) as last_hour,
         -- Average run and wait times over the hour (migration 17).
         sum(run_ms) / nullif(sum(timed), 0) as run_ms,
         sum(wait_ms) / nullif(sum(timed), 0) as wait_ms
  from {{schema}}.queue_stats where minute >= date_trunc('minute', now()) - interval '1 hour' group by queue
), limits as (
  -- The queue limits live workers' code declares (migration 13), and the places taken.
  select l.key as queue, max(l.value::integer) as cap, {{schema}}.limit_used('queue:' || l.key) as used
  from {{schema}}.workers w, jsonb_each_text(coalesce(w.limits->'queue', '{}')) as l
  where w.heartbeat_at > now() - make_interval(secs => $1::float8 / 1000)
  group by l.key
), group_limits as (
  select l.key as queue, max(l.value::integer) as cap
  from {{schema}}.workers w, jsonb_each_text(coalesce(w.limits->'queuePerGroup', '{}')) as l
  where w.heartbeat_at > now() - make_interval(secs => $1::float8 / 1000)
  group by l.key
), consumers as (
  select q as queue, count(*) as consumers
  from {{schema}}.workers, unnest(queues) as q
  where heartbeat_at > now() - make_interval(secs => $1::float8 / 1000) group by q
)
select n.queue, coalesce(j.queued, 0)::integer as queued, coalesce(j.scheduled, 0)::integer as scheduled,
       coalesce(j.running, 0)::integer as running, coalesce(f.failed, 0)::integer as failed,
       coalesce(d.last_minute, 0)::integer as done_last_minute, coalesce(d.last_hour, 0)::integer as done_last_hour,
       d.run_ms::float8 as run_ms_last_hour, d.wait_ms::float8 as wait_ms_last_hour,
       j.oldest_ms::float8 as oldest_ms, coalesce(c.consumers, 0)::integer as consumers,
       exists (select 1 from {{schema}}.pauses p where p.kind = 'queue' and p.name = n.queue and p.paused) as paused,
       l.cap::integer as concurrency_limit, l.used::integer as limit_used,
       coalesce(j.groups, 0)::integer as groups, g.cap::integer as group_concurrency
from names n
left join jobs j on j.queue = n.queue
left join failed f on f.queue = n.queue
left join done d on d.queue = n.queue
left join consumers c on c.queue = n.queue
left join limits l on l.queue = n.queue
left join group_limits g on g.queue = n.queue
order by n.queue
