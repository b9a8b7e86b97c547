-- Beat: periodic schedules and the record of every tick sent.

-- One row per schedule, from code (app.conf.beatSchedule, written by the
-- leading beat) or added at run time (`tq beat add`).
create table {{schema}}.schedules (
  name text primary key,
  task text not null,
  -- cron: spec is the expression and tz its zone; every: spec is the interval
  -- in ms; at: spec is the ISO-8601 time.
  kind text not null check (kind in ('cron', 'every', 'at')),
  spec text not null,
  tz text,
  args jsonb not null default '[]',
  kwargs jsonb not null default '{}',
  -- Send options: queue, priority, expires, maxRetries, timeLimit.
  options jsonb not null default '{}',
  missed text not null default 'skip' check (missed in ('skip', 'once', 'all')),
  enabled boolean not null default true,
  source text not null check (source in ('code', 'runtime')),
  -- The last tick sent or skipped; ticks after it are due. A new schedule
  -- starts from now: nothing before its creation is owed.
  last_fire_at timestamptz not null default now(),
  -- The last tick that sent a job, and that job.
  last_sent_at timestamptz,
  last_job_id uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- Every tick sent, keyed by (schedule, fire time) and written in the
-- transaction that sends its job: a tick is sent once, even by two leaders.
create table {{schema}}.beat_ticks (
  schedule text not null,
  fire_at timestamptz not null,
  job_id uuid not null,
  sent_at timestamptz not null default now(),
  primary key (schedule, fire_at)
);
create index beat_ticks_sent on {{schema}}.beat_ticks (sent_at);
