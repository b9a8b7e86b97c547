-- How many ready jobs of queue $1 a worker would claim before job $2
-- (higher priority, or the same priority and earlier), for `tq inspect why`:
-- of its group, since groups take turns (migration 15), and of the jobs
-- without a group for one without.
select count(*)::integer as ahead
from {{schema}}.jobs j, (select priority, run_at, seq, grp from {{schema}}.jobs where id = $2::uuid) me
where j.queue = $1 and j.grp = me.grp and j.state = 'queued' and j.run_at <= now() and j.id <> $2::uuid
  and (j.priority > me.priority or (j.priority = me.priority and (j.run_at, j.seq) < (me.run_at, me.seq)))
