-- The canvas (docs/canvas.md): groups saved for GroupResult.restore(), and
-- chords whose callback is sent exactly once.

-- A group's members, in order: the result ids GroupResult.restore(id) reads.
create table {{schema}}.groups (
  id uuid primary key,
  members uuid[] not null,
  created_at timestamptz not null default now()
);

-- A chord: its callback (the message, without the members' results) is sent
-- when the last member reaches a final state. `remaining` moves in the
-- statement that records a member's final outcome, fenced like every
-- completion, so a member counts once however often its outcome is written.
-- The state moves open -> ready (every member done, none failed) -> fired
-- (the callback inserted, by chord_fire.sql in a statement of its own, so it
-- reads every member's committed result), or open -> failed (a member failed
-- for good or was revoked: the callback never runs, its errbacks run once).
create table {{schema}}.chords (
  -- The callback's job id.
  id uuid primary key,
  -- The members' final result ids, in order: what the callback receives.
  members uuid[] not null,
  remaining integer not null check (remaining >= 0),
  state text not null default 'open' check (state in ('open', 'ready', 'fired', 'failed')),
  callback jsonb not null check (jsonb_typeof(callback) = 'object'),
  -- An immutable callback (si) gets its own arguments only.
  immutable boolean not null default false,
  delay_ms float8,
  -- The chord's result: the callback's, or the last step's when the callback is a chain.
  result_id uuid not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index chords_ready on {{schema}}.chords (updated_at) where state = 'ready';

-- Records that members of chords reached a final state: `done` is a JSON
-- array of {chord, failed, error, member} (one per member that counted).
-- Decrements each chord once per member; a chord whose last member just
-- finished becomes ready (its id is returned: the caller fires it after its
-- commit, chord_fire.sql, and the maintenance sweep fires any it missed). The
-- first failed member fails the chord: the callback's result (and the
-- chord's, when the callback is a chain) is stored as FAILURE with
-- ChordError, and the callback's errbacks are sent, once: only the statement
-- that moves the chord from open to failed does it.
create function {{schema}}.chord_members_done(done jsonb, failed_ttl_ms float8) returns uuid[]
language plpgsql as $$
declare
  item record;
  before text;
  chord {{schema}}.chords;
  ready uuid[] := '{}';
  chord_error jsonb;
begin
  for item in
    select (d->>'chord')::uuid as id, count(*)::integer as n,
           (array_agg(d order by (d->>'failed')::boolean desc))[1] as first
    from jsonb_array_elements(done) as t(d)
    group by 1
    order by 1 -- one lock order: completing workers never deadlock on chords
  loop
    select state into before from {{schema}}.chords where id = item.id for update;
    continue when not found;
    update {{schema}}.chords
    set remaining = greatest(remaining - item.n, 0), updated_at = now(),
        state = case when state <> 'open' then state
                     when (item.first->>'failed')::boolean then 'failed'
                     when remaining - item.n <= 0 then 'ready'
                     else 'open' end
    where id = item.id
    returning * into chord;
    if before = 'open' and chord.state = 'ready' then
      ready := ready || chord.id;
    elsif before = 'open' and chord.state = 'failed' then
      chord_error := jsonb_build_object(
        'type', 'ChordError', 'code', 'CHORD_MEMBER_FAILED',
        'message', 'A member of the chord (' || (item.first->>'member') || ') ended with '
          || coalesce(item.first->'error'->>'type', 'no success') || ': '
          || coalesce(left(item.first->'error'->>'message', 1000), '') || ' The callback was not run.');
      insert into {{schema}}.results (id, task, state, error, attempts, finished_at, expires_at, queue, message)
      select r.id, case when r.id = chord.id then chord.callback->>'task' end, 'FAILURE', chord_error, 0, now(),
             now() + make_interval(secs => failed_ttl_ms / 1000), chord.callback->>'queue',
             case when r.id = chord.id then chord.callback end
      from (select distinct unnest(array[chord.id, chord.result_id]) as id) r
      on conflict (id) do nothing;
      -- The callback's errbacks, each with [...its args, {id, task, error}], as a failed task's are.
      insert into {{schema}}.jobs (id, queue, priority, max_attempts, message)
      select (m->>'id')::uuid, m->>'queue', (m->>'priority')::smallint, 1, m
      from jsonb_array_elements(coalesce(chord.callback->'errbacks', '[]')) as t(e)
      cross join lateral (select jsonb_build_object(
        'v', 1, 'id', gen_random_uuid(), 'task', e->>'task',
        'args', case when (e->>'immutable')::boolean then coalesce(e->'args', '[]')
                     else coalesce(e->'args', '[]') || jsonb_build_array(jsonb_build_object(
                            'id', chord.id, 'task', chord.callback->>'task', 'error', chord_error - 'code')) end,
        'kwargs', '{}'::jsonb, 'queue', coalesce(e->>'queue', chord.callback->>'queue'),
        'priority', coalesce((chord.callback->>'priority')::integer, 5), 'retries', 0,
        'rootId', coalesce(chord.callback->>'rootId', chord.id::text), 'parentId', chord.id,
        'origin', chord.callback->'origin', 'clock', coalesce((chord.callback->>'clock')::bigint, 0),
        'sentAt', to_char(now() at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) as m) built;
      perform pg_notify('{{jobs_channel}}', chord.callback->>'queue');
      perform pg_notify('{{results_channel}}', chord.id::text || ',' || chord.result_id::text);
    end if;
  end loop;
  return ready;
end
$$;

-- Jobs of a workflow that reached a final state, from the statement that
-- recorded it (completion, rescue sweep, revoke): `ended` is a JSON array of
-- {id, state, error, message}. A step that did not succeed breaks its chain:
-- every later task of it (any depth: groups, chord callbacks) is stored as
-- FAILURE with that step's error, so waiting on the chain's result ends. Then
-- the chords of members that are final (a success at the end of its chain,
-- or any failure or revoke) are counted. Returns the chords now ready.
create function {{schema}}.canvas_ended(ended jsonb, failed_ttl_ms float8) returns uuid[]
language plpgsql as $$
begin
  insert into {{schema}}.results (id, task, state, error, attempts, finished_at, expires_at)
  select later.id::uuid, later.task, 'FAILURE',
         jsonb_build_object('type', coalesce(e->'error'->>'type', 'TaskRevoked'), 'code', 'CHAIN_STEP_FAILED',
           'message', 'An earlier step of its chain (' || (e->>'id') || ', ' || coalesce(e->'message'->>'task', '?') || ') ended '
             || (e->>'state') || ': ' || coalesce(left(e->'error'->>'message', 1000), '') || ' It was not run.'),
         0, now(), now() + make_interval(secs => failed_ttl_ms / 1000)
  from jsonb_array_elements(ended) as t(e)
  cross join lateral (
    select s->'options'->>'id' as id, s->>'task' as task
    from jsonb_path_query(e->'message'->'chain', 'lax $.** ? (@.kind == "task")') as p(s)
  ) later
  where e->>'state' <> 'SUCCESS' and jsonb_typeof(e->'message'->'chain') = 'array' and later.id is not null
  on conflict (id) do nothing;
  return {{schema}}.chord_members_done(coalesce((
    select jsonb_agg(jsonb_build_object('chord', e->'message'->'chord'->>'id', 'member', e->>'id',
                                        'failed', e->>'state' <> 'SUCCESS', 'error', e->'error'))
    from jsonb_array_elements(ended) as t(e)
    where e->'message'->'chord'->>'id' is not null
      and (e->>'state' <> 'SUCCESS' or coalesce(jsonb_array_length(e->'message'->'chain'), 0) = 0)), '[]'::jsonb), failed_ttl_ms);
end
$$;

-- Records the groups and chords a workflow step starts (`launch`: {groups,
-- chords}), from the producer (canvas_insert.sql) or from the completion of
-- the step before (job_complete_many.sql). A chord with no members is ready
-- at once. Returns how many chords it recorded.
create function {{schema}}.canvas_records_save(launch jsonb) returns integer
language plpgsql as $$
declare
  saved integer;
begin
  insert into {{schema}}.groups (id, members)
  select (g->>'id')::uuid, array(select jsonb_array_elements_text(g->'members'))::uuid[]
  from jsonb_array_elements(coalesce(launch->'groups', '[]')) as t(g)
  on conflict (id) do nothing;
  insert into {{schema}}.chords (id, members, remaining, callback, immutable, delay_ms, result_id, state)
  select (c->>'id')::uuid, array(select jsonb_array_elements_text(c->'members'))::uuid[],
         jsonb_array_length(c->'members'), c->'callback', coalesce((c->>'immutable')::boolean, false),
         (c->>'delayMs')::float8, (c->>'resultId')::uuid,
         case when jsonb_array_length(c->'members') = 0 then 'ready' else 'open' end
  from jsonb_array_elements(coalesce(launch->'chords', '[]')) as t(c)
  on conflict (id) do nothing;
  get diagnostics saved = row_count;
  return saved;
end
$$;
