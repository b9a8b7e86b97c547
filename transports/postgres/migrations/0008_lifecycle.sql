-- What a worker's lifecycle needs so that a job fails only for its own
-- reasons: which claims were charged as attempts, which jobs had started, and
-- when a job was handed back by a stopping worker.

alter table {{schema}}.jobs
  -- Claims that did not count as attempts: handed back unstarted, rescued
  -- before they started, or interrupted by a shutdown. Charged attempts are
  -- attempt - uncharged; attempt itself (the fencing token) is never lowered,
  -- so a stale worker's token never matches a later claim.
  add column uncharged integer not null default 0,
  -- One entry per time a stopping worker handed the job back while it ran:
  -- {attempt, at, worker, reason}. Not errors: the job did not fail.
  add column interruptions jsonb not null default '[]',
  -- Null until a worker that claimed the job decides it: the task's declared
  -- maxRetries + 1 when the message does not set maxRetries (a sender that
  -- knows only the task's name must not change how it is retried).
  alter column max_attempts drop not null;

-- started_at now means "its handler started": null while a job is claimed but
-- still waiting in its worker's prefetch buffer (`tq inspect reserved`).

alter table {{schema}}.results
  add column interruptions jsonb not null default '[]';
