-- The replies to command $1 so far.
select worker, reply, at from {{schema}}.control_replies where command_id = $1::bigint order by at
