-- The claim trusts a job's priority, state and attempt counters: a row
-- written by hand (or by a bug) with priority 99 would jump every legal job,
-- and a negative counter would give a job attempts it never had. The
-- database refuses such rows instead (the state of jobs is checked since
-- 0001).
alter table {{schema}}.jobs
  add constraint jobs_priority_range check (priority between 0 and 9),
  add constraint jobs_attempt_counters check (attempt >= 0 and uncharged between 0 and attempt),
  add constraint jobs_max_attempts_positive check (max_attempts is null or max_attempts >= 1),
  add constraint jobs_message_object check (jsonb_typeof(message) = 'object'),
  add constraint jobs_errors_array check (jsonb_typeof(errors) = 'array');

alter table {{schema}}.results
  add constraint results_state_final check (state in ('SUCCESS', 'FAILURE', 'REVOKED')),
  add constraint results_attempts_counter check (attempts >= 0);

-- A job's error history, bounded: each entry's message at most 1,000
-- characters (the final error keeps up to 8 KB, with its stack), and only the
-- 20 most recent attempts. A task retried a thousand times with a long
-- message must not grow its row without limit.
create function {{schema}}.error_history_add(history jsonb, entry jsonb) returns jsonb
language sql immutable parallel safe as $$
  select coalesce(jsonb_agg(e order by n), '[]'::jsonb)
  from (
    select e, n
    from jsonb_array_elements(history || jsonb_build_array(
           case when length(entry->>'message') > 1000
                then jsonb_set(entry, '{message}', to_jsonb(left(entry->>'message', 1000) || ' … [truncated]'))
                else entry end)) with ordinality as t(e, n)
    order by n desc
    limit 20
  ) recent
$$;
