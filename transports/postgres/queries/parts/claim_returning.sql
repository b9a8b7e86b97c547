returning j.id::text as id, j.attempt, j.uncharged, j.max_attempts, j.started_at is not null as started,
          coalesce(j.errors->-1->>'type' = 'WorkerLost', false) as suspect,
          next.n, j.message, coalesce(j.expires_at <= now(), false) as expired, j.revoke
