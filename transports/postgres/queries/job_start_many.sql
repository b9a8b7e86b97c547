-- Marks prefetched jobs as started just before their handlers run, and
-- renews their leases. Input $1: [{id, attempt}] of worker $2, lease $3 ms.
-- Returns the ids this worker still holds under the same token: a job that
-- is not returned was taken from it (its lease ran out while the worker was
-- paused, or it was revoked and swept) and must not run. Rows are locked in
-- id order, as every statement that changes several running jobs does, so
-- two such statements never deadlock.
-- `state <> 'queued'` is "running", written so the rows are taken by primary
-- key, not through the lease index (docs/performance.md, step 12). `id = any(...)`
-- keeps it so in a plan made when the table was nearly empty (step 13).
with input as (
  select (e->>'id')::uuid as id, (e->>'attempt')::integer as attempt
  from jsonb_array_elements($1::text::jsonb) as t(e)
), held as (
  select j.id from {{schema}}.jobs j join input i on i.id = j.id and i.attempt = j.attempt
  where j.state <> 'queued' and j.worker = $2 and j.id = any(array(select id from input))
  order by j.id
  for update of j
)
update {{schema}}.jobs j
set started_at = now(), lease_until = now() + make_interval(secs => $3::float8 / 1000)
from held h
where j.id = h.id and j.id = any(array(select id from held))
returning j.id::text as id
