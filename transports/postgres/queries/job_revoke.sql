-- Revokes jobs $1. A queued (or scheduled) job leaves the hot table at once
-- and ends as REVOKED, so it never runs. A running job is marked: 'terminate'
-- when $2, else 'revoke'; its worker learns of it from the control
-- notification (or its next heartbeat) and ends it as REVOKED. Returns each id
-- with what happened to it.
with queued as (
  delete from {{schema}}.jobs
  where id = any($1::uuid[]) and state = 'queued'
  returning id, message->>'task' as task, attempt, errors, queue, meta, message
), running as (
  update {{schema}}.jobs
  set revoke = case when $2::boolean then 'terminate' else coalesce(revoke, 'revoke') end
  where id = any($1::uuid[]) and state = 'running'
  returning id, worker
), saved as (
  insert into {{schema}}.results (id, task, state, error, meta, attempts, finished_at, expires_at, errors, queue)
  select id, task, 'REVOKED', jsonb_build_object('type', 'TaskRevoked', 'code', 'TASK_REVOKED', 'message', $4::text),
         meta, attempt, now(), now() + make_interval(secs => $3::float8 / 1000), errors, queue
  from queued
  on conflict (id) do nothing
  returning id
), chorded as (
  -- Chains and chords of the jobs revoked here: see canvas_ended() (migration 11).
  select {{schema}}.canvas_ended(jsonb_agg(jsonb_build_object(
           'id', id, 'message', message, 'state', 'REVOKED', 'error', jsonb_build_object('type', 'TaskRevoked', 'message', $4::text))), $3::float8)
  from queued
  where message ? 'chain' or message ? 'chord'
  having count(*) > 0
), told as (
  select pg_notify('{{results_channel}}', string_agg(id::text, ',')) from saved having count(*) > 0
), signalled as (
  select pg_notify('{{control_channel}}', json_build_object(
           'type', 'revoke', 'ids', json_agg(id), 'terminate', $2::boolean)::text)
  from running having count(*) > 0
)
select i.id::text as id,
       case when q.id is not null then 'revoked'
            when r.id is not null then 'signalled'
            when exists (select 1 from {{schema}}.results x where x.id = i.id) then 'finished'
            else 'unknown' end as outcome,
       r.worker,
       (select count(*) from told)::integer + (select count(*) from signalled)::integer as notified,
       (select count(*) from chorded)::integer as chorded
from unnest($1::uuid[]) as i(id)
left join queued q on q.id = i.id
left join running r on r.id = i.id
