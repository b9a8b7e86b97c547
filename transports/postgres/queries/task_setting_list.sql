-- Every task's run-time settings, for workers to apply and people to inspect.
select task, rate_limit, cluster_rate_limit, time_limit_set, soft_time_limit_ms, hard_time_limit_ms, updated_at
from {{schema}}.task_settings order by task
