-- Forgets throttle keys whose window passed and debounce keys whose job left
-- the queue (it ran), in bounded chunks. The rows are locked and their
-- conditions checked again on the locked version, so a key a sender just
-- gave a new job is kept; job_in_queue() reads with a fresh snapshot.
with doomed as (
  select kind, key from {{schema}}.send_gates
  where (kind = 'throttle' and until < now())
     or (kind = 'debounce' and not {{schema}}.job_in_queue(job_id))
  limit 5000
  for update skip locked
)
delete from {{schema}}.send_gates g using doomed d where g.kind = d.kind and g.key = d.key
