-- The hot table holds only queued and running jobs; a finished job moves to
-- results in the statement that completes it, so the queue never bloats.
create table {{schema}}.jobs (
  id uuid primary key,
  -- Insertion order: breaks ties between jobs of equal priority and run_at (FIFO).
  seq bigint generated always as identity,
  queue text not null,
  priority smallint not null,
  run_at timestamptz not null default now(),
  state text not null default 'queued' check (state in ('queued', 'running')),
  -- The fencing token: raised by every claim; each later change of the row names it.
  attempt integer not null default 0,
  max_attempts integer not null,
  acks_late boolean not null default true,
  lease_until timestamptz,
  worker text,
  started_at timestamptz,
  created_at timestamptz not null default now(),
  message jsonb not null
);

-- Matches the claim query exactly: equality on queue, then its ORDER BY.
create index jobs_claim on {{schema}}.jobs (queue, priority desc, run_at, seq) where state = 'queued';
-- The rescue sweep and heartbeats look only at running rows.
create index jobs_lease on {{schema}}.jobs (lease_until) where state = 'running';
create index jobs_worker on {{schema}}.jobs (worker) where state = 'running';

create table {{schema}}.results (
  id uuid primary key,
  task text,
  state text not null,
  value jsonb,
  error jsonb,
  meta jsonb,
  attempts integer not null default 0,
  worker text,
  finished_at timestamptz not null default now(),
  expires_at timestamptz
);
create index results_expires on {{schema}}.results (expires_at);

create table {{schema}}.workers (
  id text primary key,
  app text not null,
  host text not null,
  pid integer not null,
  queues text[] not null,
  concurrency integer not null,
  tasks text[] not null,
  started_at timestamptz not null default now(),
  heartbeat_at timestamptz not null default now()
);
