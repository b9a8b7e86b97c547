-- The queues and tasks paused now, oldest pause first.
select kind, name, updated_at as since from {{schema}}.pauses where paused order by updated_at, kind, name
