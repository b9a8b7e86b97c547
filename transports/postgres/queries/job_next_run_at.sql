-- Milliseconds until the earliest queued job of the queues $1 becomes ready
-- (0 or less when one is ready now; null when there is none), so an idle
-- worker sleeps exactly until then instead of polling. One descent of
-- jobs_claim per queue and priority (priorities are 0..9, migration 0009):
-- min(run_at) over the whole index would read every future job on every
-- poll, 31-154 ms with 100,000 of them (docs/performance.md). Paused queues
-- are left out: their jobs wait for a resume, which wakes the workers.
select (extract(epoch from (min(first.run_at) - now())) * 1000)::float8 as wait_ms
from unnest($1::text[]) as q(name)
cross join generate_series(0, 9) as p(priority)
cross join lateral (
  select run_at from {{schema}}.jobs
  where state = 'queued' and queue = q.name and priority = p.priority
  order by run_at
  limit 1
) first
where not exists (select 1 from {{schema}}.pauses x where x.kind = 'queue' and x.name = q.name and x.paused)
