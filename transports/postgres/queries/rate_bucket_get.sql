-- Task $1's cluster-wide rate bucket as last written (tokens refill from updated_at).
select tokens, updated_at, now() as db_now from {{schema}}.rate_buckets where task = $1
