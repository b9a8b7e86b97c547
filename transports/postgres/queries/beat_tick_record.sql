-- Records tick $2 of schedule $1 as sent with job $3, unless it already was.
-- Runs in the transaction that inserts the job: a second leader sending the
-- same tick waits on the primary key, then finds it taken and sends nothing.
-- A repeating schedule moves past the tick; a one-shot (at) schedule has no
-- tick left, so it is deleted with its only tick's send (it leaves the list;
-- the tick record and the job remain). Returns one row only when this call
-- recorded the tick.
with tick as (
  insert into {{schema}}.beat_ticks (schedule, fire_at, job_id)
  values ($1, $2::timestamptz, $3::uuid)
  on conflict (schedule, fire_at) do nothing
  returning schedule, fire_at, job_id
), advanced as (
  update {{schema}}.schedules s
  set last_fire_at = greatest(s.last_fire_at, t.fire_at),
      last_sent_at = greatest(s.last_sent_at, t.fire_at),
      last_job_id = case when t.fire_at >= coalesce(s.last_sent_at, t.fire_at) then t.job_id else s.last_job_id end
  from tick t
  where s.name = t.schedule and s.kind <> 'at'
  returning s.name
), finished as (
  delete from {{schema}}.schedules s
  using tick t
  where s.name = t.schedule and s.kind = 'at'
  returning s.name
)
select t.job_id::text as job_id, (select count(*) from advanced)::integer + (select count(*) from finished)::integer as advanced
from tick t
