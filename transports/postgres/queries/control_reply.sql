-- Worker $2's reply $3 to command $1 (once).
insert into {{schema}}.control_replies (command_id, worker, reply) values ($1::bigint, $2, $3::text::jsonb)
on conflict (command_id, worker) do nothing
