-- Takes up to $2 tokens from the cluster-wide bucket of task $1, which refills
-- at $3 tokens per ms up to $4 tokens, by the database clock. The row lock of
-- the upsert serialises workers taking from one bucket. Returns how many were
-- granted and, if fewer than asked, how long until the next token.
with bucket as (
  insert into {{schema}}.rate_buckets as b (task, tokens, granted, updated_at)
  values ($1, $4::float8 - least($2::integer, floor($4::float8)), least($2::integer, floor($4::float8))::integer, now())
  on conflict (task) do update
    set tokens = least($4::float8, b.tokens + extract(epoch from now() - b.updated_at) * 1000 * $3::float8)
                 - least($2::integer, floor(least($4::float8, b.tokens + extract(epoch from now() - b.updated_at) * 1000 * $3::float8))),
        granted = least($2::integer, floor(least($4::float8, b.tokens + extract(epoch from now() - b.updated_at) * 1000 * $3::float8)))::integer,
        updated_at = now()
  returning tokens, granted
)
select granted, case when granted < $2 then greatest(0, (1 - tokens) / $3::float8) else 0 end::float8 as wait_ms
from bucket
