-- compatibility: additive
-- Throttle and debounce at send (docs/flow_control.md). One row per key and
-- kind, taken by the sending statement under the row's lock, so racing
-- senders line up behind it whatever their number.
--   throttle: the first send in `until` made job_id; later sends before
--             `until` get that job back.
--   debounce: job_id is the job that waits for the quiet period; a send while
--             it is still queued gives it its arguments (message, shown) and
--             moves its run time, and gets it back.
create table {{schema}}.send_gates (
  kind text not null check (kind in ('throttle', 'debounce')),
  key text not null,
  job_id uuid not null,
  until timestamptz,
  message jsonb,
  shown jsonb,
  primary key (kind, key)
);
create index send_gates_until on {{schema}}.send_gates (until) where kind = 'throttle';

-- Gives queued job `job` the message of a later send (keeping its own id and
-- root) and runs it `delay_ms` from now; false when the job is no longer
-- queued (a worker claimed it, or it ended), so the sender makes a new one.
-- VOLATILE PL/pgSQL for a fresh snapshot (see job_in_queue, migration 6): the
-- job may have been committed by a racing sender after this statement began.
-- A claim holding the row makes the update wait, then see it running.
create function {{schema}}.debounce_push(job uuid, message jsonb, shown jsonb, delay_ms float8) returns boolean
language plpgsql volatile as $$
begin
  update {{schema}}.jobs j
  set message = debounce_push.message || jsonb_build_object('id', j.message->'id', 'rootId', j.message->'rootId'),
      queue = debounce_push.message->>'queue',
      priority = (debounce_push.message->>'priority')::smallint,
      max_attempts = (debounce_push.message->>'maxRetries')::integer + 1,
      run_at = now() + make_interval(secs => delay_ms / 1000),
      args_shown = coalesce(shown, case when exists (select 1 from {{schema}}.task_redactions)
                                        then {{schema}}.args_by_rule(debounce_push.message) end)
  where j.id = job and j.state = 'queued';
  return found;
end
$$;
