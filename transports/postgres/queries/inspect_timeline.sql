-- The last hour minute by minute, for the dashboard's charts: jobs finished
-- (succeeded, failed) and the average run and wait times of those that
-- started (migration 17), across queues and workers. Every minute is listed,
-- idle ones with zeros, oldest first. queue_stats holds one row per queue,
-- minute and worker, and inspect_clean.sql keeps it short, so an hour is
-- at most a few thousand rows.
select m.minute as at,
       coalesce(sum(s.succeeded), 0)::integer as succeeded,
       coalesce(sum(s.failed), 0)::integer as failed,
       (sum(s.run_ms) / nullif(sum(s.timed), 0))::float8 as run_ms,
       (sum(s.wait_ms) / nullif(sum(s.timed), 0))::float8 as wait_ms
from generate_series(date_trunc('minute', now()) - interval '59 minutes', date_trunc('minute', now()), interval '1 minute') as m(minute)
left join {{schema}}.queue_stats s on s.minute = m.minute
group by m.minute
order by m.minute
