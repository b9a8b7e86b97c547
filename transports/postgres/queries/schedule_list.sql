-- Every schedule, with the database clock's now, which alone decides ticks.
select name, task, kind, spec, tz, args, kwargs, options, missed, enabled, source,
       last_fire_at, last_sent_at, last_job_id::text as last_job_id, created_at, updated_at, now() as db_now
from {{schema}}.schedules
order by name
