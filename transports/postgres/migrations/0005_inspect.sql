-- What inspect, control and events need.

-- Workers report what they are doing with each heartbeat.
alter table {{schema}}.workers
  add column pool text,
  add column prefetch integer,
  add column running integer not null default 0,
  add column succeeded bigint not null default 0,
  add column failed bigint not null default 0,
  add column retried bigint not null default 0,
  add column events boolean not null default false;

-- A result keeps where it came from, for `tq inspect job`.
alter table {{schema}}.results
  add column parent_id uuid,
  add column root_id uuid,
  add column sent_at timestamptz,
  add column started_at timestamptz;
create index results_parent on {{schema}}.results (parent_id) where parent_id is not null;

-- Finished jobs per queue, minute and worker, written by the completion
-- statement (each worker its own rows, so workers never wait on each other)
-- for the throughput in `tq inspect queues`, ignoreResult tasks included.
create table {{schema}}.queue_stats (
  queue text not null,
  minute timestamptz not null,
  worker text not null,
  succeeded integer not null default 0,
  failed integer not null default 0,
  primary key (queue, minute, worker)
);

-- Commands broadcast to workers (`tq control ping|stats|shutdown|...`): a
-- worker reads those after the last it saw, on a notification or, if its
-- notifications were down, on its next heartbeat; so none is lost while a
-- worker is between connections. Each expires, so a worker back after a long
-- outage does not act on stale ones.
create table {{schema}}.control_commands (
  id bigint generated always as identity primary key,
  command text not null,
  args jsonb not null default '{}',
  -- A worker id, or null for every worker.
  target text,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create table {{schema}}.control_replies (
  command_id bigint not null,
  worker text not null,
  reply jsonb not null,
  at timestamptz not null default now(),
  primary key (command_id, worker)
);

-- Task and worker events (`tq worker -E`, the app option `events`), tailed by
-- `tq events` and kept for an hour.
create table {{schema}}.events (
  id bigint generated always as identity primary key,
  type text not null,
  -- The sender's Lamport clock: orders the events of one task across processes.
  clock bigint not null,
  -- The sender's wall clock, for people.
  at timestamptz not null,
  task_id uuid,
  task text,
  worker text,
  data jsonb not null default '{}'
);
create index events_task on {{schema}}.events (task_id) where task_id is not null;
create index events_at on {{schema}}.events (at);

-- Time limits changed at run time (`tq control time-limit`), in ms.
alter table {{schema}}.task_settings
  add column soft_time_limit_ms float8,
  add column hard_time_limit_ms float8,
  -- Set when a time limit was changed: null limits above then mean "none" rather than "the option".
  add column time_limit_set boolean not null default false;
