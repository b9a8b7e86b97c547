-- compatibility: additive
-- Flow control (docs/flow_control.md): queues and tasks paused cluster-wide,
-- and cluster-wide concurrency limits. Workers older than this migration
-- neither honour a pause nor a limit; everything else they do is unchanged.

-- A queue or task paused with `tq control pause` (or app.control.pause()).
-- A resume keeps the row with paused = false, so the newest updated_at tells
-- workers (by heartbeat, when a notification was missed) that something
-- changed.
create table {{schema}}.pauses (
  kind text not null check (kind in ('queue', 'task')),
  name text not null,
  paused boolean not null,
  updated_at timestamptz not null default now(),
  primary key (kind, name)
);

-- The limits each worker's code declares, for `tq inspect queues` and
-- `tq inspect why` (the claim takes them from the worker itself).
alter table {{schema}}.workers add column limits jsonb;

-- Which running job holds a place under which concurrency limit ("task:NAME"
-- or "queue:NAME"). A row counts only while its job is still running under
-- the same attempt, so a place is freed by whatever ends the job: success,
-- failure, retry, revoke, a hand-back, or the lease sweep after a crash. No
-- statement has to remember to give it back.
create table {{schema}}.limit_holders (
  key text not null,
  job_id uuid not null,
  attempt integer not null,
  primary key (key, job_id)
);

-- How many of `wanted` jobs under limit `limit_key` (at most `cap` running)
-- a claim may take now. The advisory lock serialises the claims of one limit
-- until each one's transaction ends, and a VOLATILE PL/pgSQL function reads
-- with a fresh snapshot per query (see job_in_queue, migration 6): so it
-- counts every place a claim before it took and committed, and two claims
-- never both take the last place. Holders whose job no longer runs are
-- deleted on the way.
create function {{schema}}.limit_grant(limit_key text, wanted integer, cap integer) returns integer
language plpgsql volatile as $$
declare
  used integer;
begin
  perform pg_advisory_xact_lock(hashtextextended('{{schema}}.limit:' || limit_key, 0));
  delete from {{schema}}.limit_holders h
  where h.key = limit_key
    and not exists (select 1 from {{schema}}.jobs j where j.id = h.job_id and j.attempt = h.attempt and j.state = 'running');
  select count(*) into used from {{schema}}.limit_holders where key = limit_key;
  return greatest(0, least(wanted, cap - used));
end
$$;
