-- Inserts a batch of messages in one statement and wakes each queue's
-- listeners once. The messages arrive as one JSON array, cast through text so
-- the driver sends the string untouched; the array order becomes seq (FIFO).
with inserted as (
  insert into {{schema}}.jobs (id, queue, priority, run_at, max_attempts, message)
  select (m->>'id')::uuid,
         m->>'queue',
         (m->>'priority')::smallint,
         coalesce((m->>'eta')::timestamptz, now()),
         (m->>'maxRetries')::integer + 1,
         m
  from jsonb_array_elements($1::text::jsonb) with ordinality as t(m, n)
  order by n
  returning queue
)
select pg_notify('{{jobs_channel}}', queue) from (select distinct queue from inserted) q
