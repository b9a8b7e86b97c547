-- Stores the redaction rules of a starting worker's tasks ($1: a JSON array
-- of {task, args, kwargs, every}, sorted by task so that workers starting
-- together lock rows in one order). Jobs sent by name from processes without
-- the task's code are redacted by these rules when inserted
-- (job_insert_many.sql). An empty rule (`redact: {}`) removes the task's.
-- Returns the tasks that have a rule now, for job_args_shown_fill.sql.
with input as (
  select e->>'task' as task,
         array(select jsonb_array_elements_text(e->'args'))::integer[] as args,
         array(select jsonb_array_elements_text(e->'kwargs')) as kwargs,
         coalesce((e->>'every')::boolean, false) as every,
         n
  from jsonb_array_elements($1::text::jsonb) with ordinality as t(e, n)
), cleared as (
  delete from {{schema}}.task_redactions r
  using input i
  where r.task = i.task and not i.every and cardinality(i.args) = 0 and cardinality(i.kwargs) = 0
), put as (
  insert into {{schema}}.task_redactions as r (task, args, kwargs, every)
  select task, args, kwargs, every from input
  where every or cardinality(args) > 0 or cardinality(kwargs) > 0
  order by n
  on conflict (task) do update
    set args = excluded.args, kwargs = excluded.kwargs, every = excluded.every, updated_at = now()
    where (r.args, r.kwargs, r.every) is distinct from (excluded.args, excluded.kwargs, excluded.every)
)
select coalesce(array_agg(task order by n), '{}') as tasks
from input
where every or cardinality(args) > 0 or cardinality(kwargs) > 0
