-- The newest event's id: `tq events` shows what comes after it.
select coalesce(max(id), 0)::float8 as id from {{schema}}.events
