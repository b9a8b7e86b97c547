-- compatibility: additive
-- Groups (docs/flow_control.md): a job sent with `group` (a tenant, a user)
-- takes turns with the other groups of its queue, and a group may have a
-- cap on how many of its jobs run at once.

-- The group a job was sent with; '' for a job without one (what older code
-- inserts, by the default), not null: the claim reads the jobs without a
-- group in index order only under an equality, which `is null` is not to the
-- planner. It is a column, not a message field, so that older workers
-- (whose message schema allows no unknown field) run grouped jobs as plain
-- ones instead of failing them.
alter table {{schema}}.jobs add column grp text not null default '';

-- The claim's index from this migration on: a queue's groups one after the
-- other (the claim walks them in name order), each one's jobs in claim order,
-- and the jobs without a group ('') as one more range of the same order. jobs_claim stays for workers older than this migration, whose
-- claim reads it; a later release drops it once none can be running
-- (docs/upgrading.md), and until then each job is written to both.
-- Its predicate says `state <> 'running'` (the same rows as 'queued') so that
-- the new claim, which says the same, can use only this index (see
-- parts/claim_search.sql).
create index jobs_claim_groups on {{schema}}.jobs (queue, grp, priority desc, run_at, seq) where state <> 'running';

-- How many places limit `limit_key` has taken: the holders whose job still
-- runs under the attempt that took the place (see limit_grant, migration 13).
create function {{schema}}.limit_used(limit_key text) returns integer
language sql stable as $$
  select count(*)::integer from {{schema}}.limit_holders h join {{schema}}.jobs j on j.id = h.job_id
  where h.key = limit_key and j.attempt = h.attempt and j.state = 'running'
$$;

-- The key of a group's cap under a task or a queue ("task" or "queue", its
-- name, the group). Lengths make it unambiguous, as names and groups may
-- hold any character; core/why.ts builds the same key. Only immutable
-- operators (`::text`, not text || integer, which is stable), so PostgreSQL
-- inlines it: called as a function it cost 10 µs a candidate in the claim.
create function {{schema}}.group_limit_key(scope text, name text, grp text) returns text
language sql immutable as $$
  select 'group:' || scope || ':' || length(name)::text || ':' || name || ':' || grp
$$;
