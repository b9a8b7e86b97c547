-- Arguments tq never shows (the task option `redact`, docs/security.md).
-- `tq inspect` reads rows and may run without the task's code, so what it
-- shows has to be stored: `args_shown` ({args, kwargs}) beside the message,
-- which keeps the real arguments for the handler and for `tq retry`. Null
-- means nothing is hidden; every read that shows arguments prefers it.
alter table {{schema}}.jobs add column args_shown jsonb;
-- Kept with a failure's message, and back on the job when `tq retry` sends it again.
alter table {{schema}}.results add column args_shown jsonb;

-- Each redacting task's rule, written by every worker that has the task when
-- it starts: jobs sent by name from a process without the task's code (`tq
-- call`, a producer that only knows names, a beat without the module) are
-- redacted by it when inserted. A rule that is a function in the code is
-- `every` here: only code can run it, so the database hides every argument.
-- A rule stays until a worker registers the task with another one; a task
-- declared with an empty rule (`redact: {}`) removes it.
create table {{schema}}.task_redactions (
  task text primary key,
  args integer[] not null default '{}',
  kwargs text[] not null default '{}',
  every boolean not null default false,
  updated_at timestamptz not null default now()
);

-- What to show of `message`'s arguments under its task's rule: the same
-- shape as core/redact.ts makes ("[redacted]" in place of each marked
-- position and keyword value), or null when the task has no rule.
create function {{schema}}.args_by_rule(message jsonb) returns jsonb
language sql stable parallel safe as $$
  select jsonb_build_object(
    'args', coalesce((
      select jsonb_agg(case when r.every or (a.n - 1)::integer = any(r.args) then to_jsonb('[redacted]'::text) else a.v end order by a.n)
      from jsonb_array_elements(case when jsonb_typeof(message->'args') = 'array' then message->'args' else '[]'::jsonb end)
           with ordinality as a(v, n)), '[]'::jsonb),
    'kwargs', coalesce((
      select jsonb_object_agg(k.key, case when r.every or k.key = any(r.kwargs) then to_jsonb('[redacted]'::text) else k.value end)
      from jsonb_each(case when jsonb_typeof(message->'kwargs') = 'object' then message->'kwargs' else '{}'::jsonb end) as k), '{}'::jsonb))
  from {{schema}}.task_redactions r
  where r.task = message->>'task'
$$;
