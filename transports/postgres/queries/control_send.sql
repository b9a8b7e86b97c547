-- Broadcasts command $1 with arguments $2 to worker $3 (null: every worker),
-- valid for $4 ms, and wakes the workers. Returns its id, which replies name.
with sent as (
  insert into {{schema}}.control_commands (command, args, target, expires_at)
  values ($1, $2::text::jsonb, $3, now() + make_interval(secs => $4::float8 / 1000))
  returning id
)
select id::float8 as id, pg_notify('{{control_channel}}', json_build_object('type', 'command', 'id', id)::text) as notified from sent
