-- Forgets what inspection no longer needs, in bounded chunks: events after
-- an hour, expired control commands with their replies, per-minute queue
-- counts after a day, workers dead (no heartbeat) for an hour, and the
-- concurrency places of jobs that ended.
with old_events as (
  delete from {{schema}}.events where id in (
    select id from {{schema}}.events where at < now() - interval '1 hour' order by id limit 5000)
  returning 1
), old_commands as (
  delete from {{schema}}.control_commands where expires_at < now() - interval '1 hour'
  returning id
), old_replies as (
  delete from {{schema}}.control_replies r using old_commands c where r.command_id = c.id
  returning 1
), old_stats as (
  delete from {{schema}}.queue_stats where minute < now() - interval '1 day'
  returning 1
), freed_places as (
  -- Places of jobs that ended under a limit no claim asked for since (migration 13).
  delete from {{schema}}.limit_holders h
  where not exists (select 1 from {{schema}}.jobs j where j.id = h.job_id and j.attempt = h.attempt and j.state = 'running')
  returning 1
), dead_workers as (
  delete from {{schema}}.workers where heartbeat_at < now() - interval '1 hour'
  returning 1
)
select (select count(*) from old_events)::integer as events, (select count(*) from old_commands)::integer as commands,
       (select count(*) from old_stats)::integer as stats, (select count(*) from dead_workers)::integer as workers
