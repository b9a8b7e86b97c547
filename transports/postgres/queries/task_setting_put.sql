-- Changes a task's run-time settings and tells every worker to reload them.
-- Rate limits $2, $3: null leaves one as it is, '' clears it. Time limits:
-- $4 null leaves them, 'option' goes back to the task's option, 'set' sets
-- soft $5 and hard $6 (ms; null for none).
with saved as (
  insert into {{schema}}.task_settings as s (task, rate_limit, cluster_rate_limit, time_limit_set, soft_time_limit_ms, hard_time_limit_ms, updated_at)
  values ($1, nullif($2, ''), nullif($3, ''), coalesce($4 = 'set', false),
          case when $4 = 'set' then $5::float8 end, case when $4 = 'set' then $6::float8 end, now())
  on conflict (task) do update
    set rate_limit = case when $2 is null then s.rate_limit else nullif($2, '') end,
        cluster_rate_limit = case when $3 is null then s.cluster_rate_limit else nullif($3, '') end,
        time_limit_set = case when $4 is null then s.time_limit_set else $4 = 'set' end,
        soft_time_limit_ms = case when $4 is null then s.soft_time_limit_ms when $4 = 'set' then $5::float8 end,
        hard_time_limit_ms = case when $4 is null then s.hard_time_limit_ms when $4 = 'set' then $6::float8 end,
        updated_at = now()
  returning task
)
select pg_notify('{{control_channel}}', json_build_object('type', 'settings', 'task', task)::text) from saved
