-- The claim's update, shared by job_claim.sql and job_claim_limited.sql: the
-- jobs found by the search (parts/claim_search.sql) become running under this
-- worker with a lease, and their attempt (the fencing token) is raised. The
-- limited claim adds a condition after it, then both return the same rows.
update {{schema}}.jobs j
set state = 'running',
    attempt = j.attempt + 1,
    worker = $3,
    started_at = case when next.n <= $8 then now() end,
    lease_until = now() + make_interval(secs => $4::float8 / 1000),
    acks_late = not (j.message->>'task' = any($5::text[])),
    max_attempts = coalesce(j.max_attempts, ($7::text::jsonb->>(j.message->>'task'))::integer, 1)
from next
where j.id = next.id and j.id = any(array(select id from next))
