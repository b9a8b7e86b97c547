returning j.id::text as id, j.attempt, j.uncharged, j.max_attempts, j.started_at is not null as started,
          coalesce(j.errors->-1->>'type' = 'WorkerLost', false) as suspect,
          next.n, j.message, coalesce(j.expires_at <= now(), false) as expired, j.revoke,
          -- How long it waited once due: the pickup latency of tq's metrics.
          greatest(extract(epoch from now() - j.run_at) * 1000, 0)::float8 as waited_ms
