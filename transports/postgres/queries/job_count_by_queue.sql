-- Jobs per queue and state (queued, running), for inspection and benchmarks.
select queue, state, count(*)::integer as count
from {{schema}}.jobs
group by queue, state
order by queue, state
