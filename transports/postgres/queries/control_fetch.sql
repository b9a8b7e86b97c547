-- The commands worker $1 has yet to answer: unexpired, meant for it or for
-- every worker, and sent since it registered. Read by what is unanswered
-- rather than by "ids after the last seen": ids are taken at insert but
-- become visible at commit, so a command committed after a later one would
-- otherwise be passed over for good.
select c.id::float8 as id, c.command, c.args
from {{schema}}.control_commands c
join {{schema}}.workers w on w.id = $1
where c.created_at >= w.started_at
  and c.expires_at > now()
  and (c.target is null or c.target = $1)
  and not exists (select 1 from {{schema}}.control_replies r where r.command_id = c.id and r.worker = $1)
order by c.id
