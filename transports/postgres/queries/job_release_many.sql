-- Hands claimed jobs back to their queue: unstarted ones at the first stop
-- signal, running ones when the grace is spent (or at a second signal). A
-- job handed back did not fail: the claim is not charged as an attempt
-- (uncharged + 1; attempt, the fencing token, is never lowered), and a job
-- that was running gets an interruptions entry with the reason, not an error.
-- Only rows this worker still holds under the same token are touched, so a
-- job that finished or was taken over meanwhile is left alone. Rows are
-- locked in id order (see job_start_many.sql). Returns how many went back.
-- `state <> 'queued'` is "running", written so the rows are taken by primary
-- key, not through the lease index (docs/performance.md, step 12). `id = any(...)`
-- keeps it so in a plan made when the table was nearly empty (step 13).
with input as (
  select (e->>'id')::uuid as id, (e->>'attempt')::integer as attempt, e->>'reason' as reason
  from jsonb_array_elements($1::text::jsonb) as t(e)
), held as (
  select j.id, i.reason from {{schema}}.jobs j join input i on i.id = j.id and i.attempt = j.attempt
  where j.state <> 'queued' and j.worker = $2 and j.id = any(array(select id from input))
  order by j.id
  for update of j
), released as (
  update {{schema}}.jobs j
  set state = 'queued', worker = null, lease_until = null, started_at = null, uncharged = j.uncharged + 1,
      interruptions = case when h.reason is null then j.interruptions
                           else j.interruptions || jsonb_build_array(jsonb_build_object(
                                  'attempt', j.attempt, 'at', now(), 'worker', j.worker, 'reason', h.reason)) end
  from held h
  where j.id = h.id and j.id = any(array(select id from held))
  returning j.queue
), woken as (
  select pg_notify('{{jobs_channel}}', queue) from (select distinct queue from released) q
)
select (select count(*) from released)::integer as released, (select count(*) from woken)::integer as woken
