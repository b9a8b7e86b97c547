-- Redacts, by the rules just stored for tasks $1, the jobs and kept failures
-- of those tasks that show their arguments in clear: sent by name before any
-- worker with the task had published its rule. Rows locked at this moment
-- (being claimed or completed) are skipped rather than waited for, in id
-- order like every statement that changes several jobs; the next worker
-- start takes them. The task-sent events of those jobs (sent by name, so
-- with their arguments as given) are redacted too. Returns how many jobs and
-- failures it redacted.
with waiting as (
  select id from {{schema}}.jobs
  where args_shown is null and message->>'task' = any($1::text[])
  order by id
  for update skip locked
), jobs_filled as (
  update {{schema}}.jobs j set args_shown = {{schema}}.args_by_rule(j.message)
  from waiting w
  where j.id = w.id
  returning j.id
), kept as (
  select id from {{schema}}.results
  where args_shown is null and message is not null and task = any($1::text[])
  order by id
  for update skip locked
), results_filled as (
  update {{schema}}.results r set args_shown = {{schema}}.args_by_rule(r.message)
  from kept k
  where r.id = k.id
  returning r.id
), events_filled as (
  update {{schema}}.events e
  set data = coalesce(jsonb_set(e.data, '{args}', {{schema}}.args_by_rule(jsonb_build_object('task', e.task, 'args', e.data->'args'))->'args'), e.data)
  where e.type = 'task-sent' and e.task = any($1::text[]) and e.data ? 'args'
    and e.task_id in (select id from jobs_filled union all select id from results_filled)
)
select (select count(*) from jobs_filled)::integer as jobs, (select count(*) from results_filled)::integer as results
