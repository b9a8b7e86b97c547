-- Deletes the waiting jobs of queue $1 (`tq purge`); running ones finish.
with purged as (
  delete from {{schema}}.jobs where queue = $1 and state = 'queued'
  returning id
)
select count(*)::integer as purged from purged
