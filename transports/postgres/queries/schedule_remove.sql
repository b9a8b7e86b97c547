-- Deletes run-time schedule $1. A schedule defined in code is left alone
-- (its app's next leading beat would write it back). Returns whether one was
-- deleted and the source of what holds the name.
with doomed as (
  delete from {{schema}}.schedules where name = $1 and source = 'runtime'
  returning name
)
select (select count(*) from doomed)::integer as deleted,
       (select source from {{schema}}.schedules where name = $1) as source
