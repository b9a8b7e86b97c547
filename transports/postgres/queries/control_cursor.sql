-- The newest command's id: a starting worker acts only on commands after it.
select coalesce(max(id), 0)::float8 as id from {{schema}}.control_commands
