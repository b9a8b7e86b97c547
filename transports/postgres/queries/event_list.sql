-- Events after id $1, oldest first, at most $2; only task $3's when given.
select id::float8 as id, type, clock::float8 as clock, at, task_id::text as task_id, task, worker, data
from {{schema}}.events
where id > $1::bigint and ($3::uuid is null or task_id = $3::uuid)
order by id
limit $2
