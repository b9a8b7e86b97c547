-- Hands claimed but unstarted jobs back (graceful shutdown). The attempt the
-- claim raised is given back too, since the job never ran; only rows this
-- worker still holds under the same token are touched.
with input as (
  select (e->>'id')::uuid as id, (e->>'attempt')::integer as attempt
  from jsonb_array_elements($1::text::jsonb) as t(e)
), released as (
  update {{schema}}.jobs j
  set state = 'queued', attempt = j.attempt - 1, worker = null, lease_until = null, started_at = null
  from input i
  where j.id = i.id and j.attempt = i.attempt and j.state = 'running' and j.worker = $2
  returning j.queue
)
select pg_notify('{{jobs_channel}}', queue) from (select distinct queue from released) q
