-- Sends the callbacks of chords $1 that are ready (every member finished,
-- none failed), each exactly once: only the statement that moves a chord from
-- ready to fired inserts its callback. It runs after the members' completions
-- committed, in a statement of its own, so it reads every member's result:
-- the callback gets [[result of each member, in order], ...its own args]
-- (its own args only when immutable). $1 null: every chord ready for more than
-- $2 ms (the maintenance sweep, for a worker that died between its commit and
-- this statement). A callback revoked before it was sent is not sent.
with fired as (
  update {{schema}}.chords c
  set state = 'fired', updated_at = now()
  where c.state = 'ready'
    and (c.id = any($1::uuid[]) or ($1 is null and c.updated_at < now() - make_interval(secs => $2::float8 / 1000)))
  returning c.id, c.members, c.callback, c.immutable, c.delay_ms
), built as materialized (
  select f.id, f.delay_ms,
         case when f.immutable then f.callback
              else jsonb_set(f.callback, '{args}', jsonb_build_array(coalesce((
                     select jsonb_agg(r.value order by m.n)
                     from unnest(f.members) with ordinality as m(id, n)
                     left join {{schema}}.results r on r.id = m.id), '[]'::jsonb)) || (f.callback->'args')) end as message
  from fired f
  where not exists (select 1 from {{schema}}.results x where x.id = f.id and x.state = 'REVOKED')
), inserted as (
  insert into {{schema}}.jobs (id, queue, priority, run_at, max_attempts, message, args_shown)
  select b.id, b.message->>'queue', (b.message->>'priority')::smallint,
         now() + make_interval(secs => coalesce(b.delay_ms, 0) / 1000), (b.message->>'maxRetries')::integer + 1, b.message,
         case when (select exists (select 1 from {{schema}}.task_redactions)) then {{schema}}.args_by_rule(b.message) end
  from built b
  on conflict (id) do nothing
  returning queue
), woken as (
  select pg_notify('{{jobs_channel}}', queue) from (select distinct queue from inserted) q
)
select (select count(*) from fired)::integer as fired, (select count(*) from woken)::integer as woken
