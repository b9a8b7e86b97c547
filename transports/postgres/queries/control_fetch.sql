-- The unexpired commands after id $1 for worker $2 (or for every worker).
select id::float8 as id, command, args
from {{schema}}.control_commands
where id > $1::bigint and (target is null or target = $2) and expires_at > now()
order by id
