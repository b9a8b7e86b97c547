-- compatibility: additive
-- Which tq versions may use this schema (docs/upgrading.md). Every migration
-- from this one on says in its first line whether code that predates it can
-- keep using the schema ("additive") or not ("breaking"); the migrations
-- table keeps that answer and which tq applied it, so an older tq can tell,
-- without knowing the newer migration, whether it may run here. Workers
-- record their tq version, message protocol and the newest migration their
-- code knows, so a breaking migration can wait until no older worker is
-- alive, and `tq inspect workers` can show what runs.

-- `if not exists`: a schema created by this tq's bootstrap already has them.
alter table {{schema}}.migrations
  add column if not exists breaking boolean not null default false,
  add column if not exists tq_version text;

alter table {{schema}}.workers
  add column tq_version text,
  add column protocol integer,
  add column migrations_known integer;
