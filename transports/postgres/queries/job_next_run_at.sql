-- Milliseconds until the earliest queued job of the queues $1 becomes ready
-- (0 or less when one is ready now; null when there is none), so an idle
-- worker sleeps exactly until then instead of polling.
select (extract(epoch from (min(run_at) - now())) * 1000)::float8 as wait_ms
from {{schema}}.jobs
where state = 'queued' and queue = any($1::text[])
