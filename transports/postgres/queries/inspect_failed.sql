-- Failed tasks kept for `tq retry`, newest first, of task $1 when given, at most $2.
select id::text as id, task, queue, attempts, finished_at, error->>'type' as error_type, error->>'message' as error_message
from {{schema}}.results
where state = 'FAILURE' and ($1::text is null or task = $1::text)
order by finished_at desc
limit $2
