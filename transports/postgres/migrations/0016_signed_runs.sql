-- compatibility: additive
-- Message signing (docs/security.md): the ids of signed jobs that ended, so
-- that a copy of a signed message inserted again (a replay) is refused
-- instead of run twice. A row is kept until the message would be refused as
-- too old anyway (`until`: when it was sent, or due, plus the signature's
-- maximum age). Workers write it when they complete a job they verified;
-- `tq retry` removes the rows of the jobs it sends again. The producer role
-- has no grant on it, so a leaked producer login cannot make a replay look
-- new.
create table {{schema}}.signed_runs (
  id uuid primary key,
  until timestamptz not null
);
create index signed_runs_until on {{schema}}.signed_runs (until);
