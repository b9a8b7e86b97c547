-- One statement per heartbeat: registers or refreshes the worker row and
-- extends the lease of every job the worker holds ($9 ids with $11 their
-- attempts, by primary key; the transport sorts them, so rows are locked in id
-- order like every statement that changes several running jobs). It returns the
-- held jobs it could not renew (`lost`: another worker took them after this
-- one paused past its lease, or they finished or were swept), and what the
-- worker may have missed while its notifications were
-- down: its jobs that were revoked, when task settings last changed, and
-- whether a control command awaits its answer. The row also carries what `tq inspect workers`
-- shows ($10: pool, prefetch, running and counts, events; $12-$14: its tq
-- version, message protocol and newest migration known, which a breaking
-- migration checks, see migrate.ts; $15: its concurrency limits, for
-- inspection). Only the database clock decides lease times.
-- `state <> 'queued'` is "running", written so the rows are taken by primary
-- key, not through the lease index (docs/performance.md, step 12).
with registered as (
  insert into {{schema}}.workers as w (id, app, host, pid, queues, concurrency, tasks,
                                       pool, prefetch, running, succeeded, failed, retried, events,
                                       tq_version, protocol, migrations_known, limits)
  select $1, $2, $3, $4, $5::text[], $6, $7::text[],
         s->>'pool', (s->>'prefetch')::integer, (s->>'running')::integer, (s->>'succeeded')::bigint,
         (s->>'failed')::bigint, (s->>'retried')::bigint, (s->>'events')::boolean,
         $12::text, $13::integer, $14::integer, $15::text::jsonb
  from (select $10::text::jsonb as s) as status
  on conflict (id) do update
    set heartbeat_at = now(), queues = excluded.queues, running = excluded.running, succeeded = excluded.succeeded,
        failed = excluded.failed, retried = excluded.retried, prefetch = excluded.prefetch
  returning id
), renewable as (
  -- Each held job looked up and locked on its own, by primary key: a worker
  -- may hold thousands, and a join of them with the table was planned as a
  -- nested loop comparing every pair (4.4 s for 5,000; docs/performance.md,
  -- step 13). The lock keeps (id, attempt) as checked until the update.
  select k.id
  from unnest($9::uuid[], $11::integer[]) as h(id, attempt)
  cross join lateral (
    select j.id from {{schema}}.jobs j
    where j.id = h.id and j.attempt = h.attempt and j.worker = $1 and j.state <> 'queued'
    for update
  ) k
), extended as (
  update {{schema}}.jobs j
  set lease_until = now() + make_interval(secs => $8::float8 / 1000)
  where j.id = any(array(select id from renewable))
  returning j.id, j.attempt, j.revoke
)
select (select count(*) from registered)::integer as registered,
       (select count(*) from extended)::integer as extended,
       coalesce((select json_agg(json_build_object('id', l.id, 'attempt', l.attempt))
                 from (select h.id, h.attempt from unnest($9::uuid[], $11::integer[]) as h(id, attempt)
                       except select id, attempt from extended) l), '[]') as lost,
       coalesce((select json_agg(json_build_object('id', id, 'terminate', revoke = 'terminate'))
                 from extended where revoke is not null), '[]') as revoked,
       (select extract(epoch from max(at)) * 1000
        from (select max(updated_at) as at from {{schema}}.task_settings
              union all select max(updated_at) from {{schema}}.pauses) changes)::float8 as settings_at,
       exists (
         select 1 from {{schema}}.control_commands c
         join {{schema}}.workers w on w.id = $1
         where c.created_at >= w.started_at and c.expires_at > now() and (c.target is null or c.target = $1)
           and not exists (select 1 from {{schema}}.control_replies r where r.command_id = c.id and r.worker = $1)
       ) as commands_pending
