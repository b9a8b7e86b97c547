-- compatibility: additive
-- Timings for the dashboard's latency chart (docs/observability.md): each
-- completion adds, per queue, minute and worker, how long its jobs ran
-- (start to completion) and how long they waited once due (due to start),
-- and how many jobs those sums cover. Workers older than this migration write
-- only the counts, which leaves `timed` behind the counts, not the averages
-- wrong: an average is a sum over `timed`.
alter table {{schema}}.queue_stats
  add column run_ms float8 not null default 0,
  add column wait_ms float8 not null default 0,
  add column timed integer not null default 0;
