-- Every task's run-time settings, for workers to apply and people to inspect.
select task, rate_limit, cluster_rate_limit, updated_at from {{schema}}.task_settings order by task
