-- The migrations table as this tq knows it (an older tq's table gains the
-- last two columns in migration 0012).
create schema if not exists {{schema}};
create table if not exists {{schema}}.migrations (
  version integer primary key,
  name text not null,
  applied_at timestamptz not null default now(),
  breaking boolean not null default false,
  tq_version text
)
