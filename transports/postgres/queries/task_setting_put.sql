-- Changes a task's run-time settings (null leaves one as it is; '' clears it)
-- and tells every worker to reload them.
with saved as (
  insert into {{schema}}.task_settings as s (task, rate_limit, cluster_rate_limit, updated_at)
  values ($1, nullif($2, ''), nullif($3, ''), now())
  on conflict (task) do update
    set rate_limit = case when $2 is null then s.rate_limit else nullif($2, '') end,
        cluster_rate_limit = case when $3 is null then s.cluster_rate_limit else nullif($3, '') end,
        updated_at = now()
  returning task
)
select pg_notify('{{control_channel}}', json_build_object('type', 'settings', 'task', task)::text) from saved
