-- What retries, expiry, revoke, progress, unique jobs, rate limits and
-- failed-job handling need from the database.

alter table {{schema}}.jobs
  -- Decided by the database clock when the job is claimed: a job claimed after
  -- this time is not run and ends as REVOKED (expired).
  add column expires_at timestamptz,
  -- Every failed attempt, oldest first: {attempt, at, type, message}.
  add column errors jsonb not null default '[]',
  -- Set on a running job by a revoke: 'revoke' (do not run again) or
  -- 'terminate' (stop it now). Whoever touches the row next ends it as REVOKED.
  add column revoke text check (revoke in ('revoke', 'terminate')),
  -- Custom state from ctx.progress(), readable while the task runs.
  add column meta jsonb;

alter table {{schema}}.results
  add column errors jsonb not null default '[]',
  -- A failed job's message and queue, kept so `tq retry` can send it again.
  add column message jsonb,
  add column queue text;
create index results_failed on {{schema}}.results (task, finished_at) where state = 'FAILURE';

-- Unique jobs: the key is held by one job while that job is queued or running,
-- and at least until `until`. The primary key makes a second sender wait for
-- the first and then see its job: race-free without advisory locks.
create table {{schema}}.uniques (
  key text primary key,
  job_id uuid not null,
  until timestamptz not null
);

-- Cluster-wide rate limits: one token bucket per task, refilled by the
-- database clock each time it is read.
create table {{schema}}.rate_buckets (
  task text primary key,
  tokens float8 not null,
  granted integer not null default 0,
  updated_at timestamptz not null default now()
);

-- Settings changed at run time (`tq control rate-limit`); they override the
-- task's options in every worker.
create table {{schema}}.task_settings (
  task text primary key,
  rate_limit text,
  cluster_rate_limit text,
  updated_at timestamptz not null default now()
);
