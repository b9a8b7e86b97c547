-- compatibility: additive
-- The group a failed job was sent with (the send option `group`, migration
-- 15), kept with its failure like its message, so that `tq retry` sends it
-- back into its group instead of out of it. Null for a job without a group,
-- and for failures stored by workers older than this migration (those are
-- retried without one, as before).
alter table {{schema}}.results add column grp text;
