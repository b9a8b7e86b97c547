-- The running jobs worker $1 holds in the database but not in memory ($2:
-- the ids it knows): those of a claim that committed while its answer was
-- lost on a broken connection. The worker has at most one claim in flight, so
-- these can only be that claim's; it takes them as claimed (same token)
-- instead of leaving them to their lease. Same columns as job_claim.sql.
select j.id::text as id, j.attempt, j.uncharged, j.max_attempts, j.started_at is not null as started,
       coalesce(j.errors->-1->>'type' = 'WorkerLost', false) as suspect,
       row_number() over (order by j.priority desc, j.run_at, j.seq) as n, j.message,
       coalesce(j.expires_at <= now(), false) as expired, j.revoke
from {{schema}}.jobs j
where j.worker = $1 and j.state = 'running' and j.id <> all($2::uuid[])
