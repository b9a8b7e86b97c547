-- Sends failed jobs again (`tq retry`): the ids $1, or with $3 every failed
-- job (of task $2 when given). The job keeps its id, its attempt count (so
-- fencing tokens only grow), its error history and what tq shows of its
-- arguments (args_shown), and its group (migration 18; none for a failure an
-- older worker stored); its retries start over.
-- Deleting the result and inserting the job happen in one statement, with
-- the job's replay record (signed_runs, migration 16): its signed message
-- is sent again on purpose.
with picked as (
  delete from {{schema}}.results r
  where r.state = 'FAILURE' and r.message is not null
    and (r.id = any($1::uuid[]) or ($3::boolean and ($2::text is null or r.task = $2::text)))
  returning r.id, r.attempts, r.errors, r.queue, r.message, r.args_shown, r.grp
), requeued as (
  insert into {{schema}}.jobs (id, queue, priority, attempt, max_attempts, errors, message, args_shown, grp)
  select id, coalesce(queue, message->>'queue'), (message->>'priority')::smallint, attempts,
         attempts + (message->>'maxRetries')::integer + 1, errors,
         jsonb_set(message, '{retries}', '0'), args_shown, coalesce(grp, '')
  from picked
  on conflict (id) do nothing
  returning id, queue
), unsealed as (
  delete from {{schema}}.signed_runs s using requeued q where s.id = q.id
), woken as (
  select pg_notify('{{jobs_channel}}', queue) from (select distinct queue from requeued) q
)
select r.id::text as id, (select count(*) from woken)::integer as woken from requeued r
