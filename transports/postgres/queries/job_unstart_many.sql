-- Clears the started mark of claimed jobs that have not run, before a job
-- that was lost with its worker runs again: if that one kills this worker
-- too, its batch-mates go back uncharged (a claim of fast jobs marks them all
-- started, see job_claim.sql). Input $1: [{id, attempt}] of worker $2. Rows
-- are locked in id order (see job_start_many.sql).
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
update {{schema}}.jobs j set started_at = null
from held h
where j.id = h.id and j.id = any(array(select id from held))
returning j.id::text as id
