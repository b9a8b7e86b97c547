-- Every schedule, with the database clock's now, which alone decides ticks.
-- Joined to one row of now() so that an empty table still gives the time
-- (one statement per round of the leading beat, schedules or none).
select s.name, s.task, s.kind, s.spec, s.tz, s.args, s.kwargs, s.options, s.missed, s.enabled, s.source,
       s.last_fire_at, s.last_sent_at, s.last_job_id::text as last_job_id, s.created_at, s.updated_at, n.db_now
from (select now() as db_now) n
left join {{schema}}.schedules s on true
order by s.name
