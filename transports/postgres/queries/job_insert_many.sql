-- Inserts a batch of messages in one statement and wakes each queue's
-- listeners once. The messages arrive as one JSON array, cast through text so
-- the driver sends the string untouched; the array order becomes seq (FIFO).
-- $2 (countdown) and $3 (expires in) are durations in ms applied with the
-- database clock, so a client with a skewed clock cannot move them.
-- Unique keys: each key is taken in `uniques` only if it is free (its window
-- passed and its job has left the hot table). On conflict the update waits
-- for and locks the latest version of the key's row, even one committed after
-- this statement began, and returns its holder. Whether that holder's job is
-- still queued or running is asked of job_in_queue() (migration 0006), which
-- reads with a fresh snapshot: the statement's own cannot see a job that a
-- racing sender committed meanwhile, and 50 racing sends of one key made up
-- to 19 jobs. It is called once per key row, and only after the window.
-- Wake-ups: with $5 the statement notifies each queue itself (needed inside a
-- caller's transaction, where only the commit may wake workers); otherwise it
-- returns the queues and the transport notifies after the commit, outside
-- this transaction (see notify_many.sql for why). Returns, per message in order, the id of the job that
-- stands for it.
-- $6 (or null) is a JSON array beside $1: what tq shows of each message's
-- arguments (null where the sender has no redaction for its task), read in
-- the same scan. A message without one gets its task's rule from
-- task_redactions, when there are any (migration 0010).
-- Throttle and debounce ($7 'throttle' or 'debounce', $8 the key, $9 the
-- window or quiet period in ms; migration 14, docs/flow_control.md) gate the
-- whole batch under one key. The key's row is locked by ON CONFLICT, so
-- racing senders take turns: a throttle key is taken by the first message
-- unless a job took it less than $9 ago; a debounce key's job, while still
-- queued, takes the last message's arguments and waits $9 from now
-- (debounce_push, fresh snapshot), else the last message becomes the new
-- job. Every message of a gated batch returns the gate's job.
-- $10 is the group of every message of the batch (the send option `group`;
-- migration 15), or null for none ('' in the table).
-- The arrays are read as json and each element made jsonb on its own: one
-- jsonb of the whole array cost 0.5 s to build for 20,000 messages, the
-- elements one by one a third of that (docs/performance.md).
with input as (
  select m, n, (m->>'id')::uuid as id, m->>'uniqueKey' as unique_key, shown
  from (
    select t.m::jsonb as m, t.n, nullif(t.s::jsonb, 'null'::jsonb) as shown
    from rows from (json_array_elements($1::text::json), json_array_elements($6::text::json)) with ordinality as t(m, s, n)
  ) elements
), keys as (
  insert into {{schema}}.uniques as u (key, job_id, until)
  select distinct on (unique_key) unique_key, id, now() + make_interval(secs => coalesce($4::float8, 0) / 1000)
  from input where unique_key is not null
  order by unique_key, n
  on conflict (key) do update
    set (job_id, until) = (
      select case when t.free then excluded.job_id else u.job_id end,
             case when t.free then excluded.until else u.until end
      from (select case when u.until < now() then not {{schema}}.job_in_queue(u.job_id) else false end as free) t
    )
  returning key, job_id
), gated as (
  insert into {{schema}}.send_gates as g (kind, key, job_id, until, message, shown)
  select $7, $8, chosen.id, now() + make_interval(secs => $9::float8 / 1000), chosen.m, chosen.shown
  from (select id, m, shown from input order by case when $7 = 'debounce' then -n else n end limit 1) chosen
  where $7::text is not null
  on conflict (kind, key) do update
    set (job_id, until) = (
      select case when t.keep then g.job_id else excluded.job_id end, case when t.keep then g.until else excluded.until end
      from (select case when g.kind = 'throttle' then g.until > now()
                        else {{schema}}.debounce_push(g.job_id, excluded.message, excluded.shown, $9::float8) end as keep) t
    ),
    message = excluded.message, shown = excluded.shown
  returning job_id
), inserted as (
  -- Straight from the array's scan, in its order (which becomes seq, FIFO):
  -- no join or sort of the messages, which spilled to disk at 20,000.
  insert into {{schema}}.jobs (id, queue, priority, run_at, expires_at, max_attempts, message, args_shown, grp)
  select i.id,
         i.m->>'queue',
         (i.m->>'priority')::smallint,
         case when $2::float8 is not null then now() + make_interval(secs => $2::float8 / 1000)
              else coalesce((i.m->>'eta')::timestamptz, now()) end,
         case when $3::float8 is not null then now() + make_interval(secs => $3::float8 / 1000)
              else (i.m->>'expires')::timestamptz end,
         (i.m->>'maxRetries')::integer + 1,
         i.m,
         coalesce(i.shown, case when (select exists (select 1 from {{schema}}.task_redactions)) then {{schema}}.args_by_rule(i.m) end),
         coalesce($10::text, '')
  from input i
  where (i.unique_key is null or exists (select 1 from keys k where k.key = i.unique_key and k.job_id = i.id))
    and ($7::text is null or i.id = (select job_id from gated))
  returning queue
), woken as (
  select q.queue, case when $5::boolean then pg_notify('{{jobs_channel}}', q.queue) end as notified
  from (select distinct queue from inserted) q
)
select coalesce((select job_id from gated), k.job_id, i.id)::text as id, (select array_agg(queue) from woken) as queues
from input i left join keys k on k.key = i.unique_key
order by i.n
