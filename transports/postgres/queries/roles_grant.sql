-- `tq migrate --roles` (docs/security.md): three roles without login for
-- this schema, to GRANT to the application's own login roles. Run by the
-- schema's owner after its migrations; running it again (after the next
-- migration) grants what new tables need. Roles are named after the schema
-- (for the default schema "tq": tq_producer, tq_worker, tq_inspector).
--   producer:  sends tasks (also unique, throttled, debounced and canvas
--              sends) and reads their results and state.
--   worker:    claims, runs and completes jobs, heartbeats, runs beat, and
--              answers control commands: rows only, never the schema.
--   inspector: reads every table (tq inspect, tq events, tq doctor).
-- None may create, alter, drop or truncate anything. A role that exists
-- already is kept (its other grants too).
do $$
begin
  create role {{producer_role}} nologin;
exception when duplicate_object then null;
end $$;
do $$
begin
  create role {{worker_role}} nologin;
exception when duplicate_object then null;
end $$;
do $$
begin
  create role {{inspector_role}} nologin;
exception when duplicate_object then null;
end $$;
grant usage on schema {{schema}} to {{producer_role}}, {{worker_role}}, {{inspector_role}};

grant select on all tables in schema {{schema}} to {{inspector_role}};
alter default privileges in schema {{schema}} grant select on tables to {{inspector_role}};

grant select, insert, update, delete on all tables in schema {{schema}} to {{worker_role}};
grant usage, select on all sequences in schema {{schema}} to {{worker_role}};
alter default privileges in schema {{schema}} grant select, insert, update, delete on tables to {{worker_role}};
alter default privileges in schema {{schema}} grant usage, select on sequences to {{worker_role}};
-- Which migrations ran is the owner's record: workers read it.
revoke insert, update, delete on {{schema}}.migrations from {{worker_role}};

-- The producer writes new jobs and what makes sends unique or gated; of a
-- queued job it may only change what a debounce changes.
grant select, insert on {{schema}}.jobs, {{schema}}.uniques, {{schema}}.send_gates, {{schema}}.events,
                       {{schema}}.groups, {{schema}}.chords to {{producer_role}};
grant update (message, queue, priority, max_attempts, run_at, args_shown) on {{schema}}.jobs to {{producer_role}};
grant update on {{schema}}.uniques, {{schema}}.send_gates to {{producer_role}};
grant select on {{schema}}.results, {{schema}}.migrations, {{schema}}.task_redactions to {{producer_role}};
grant usage, select on all sequences in schema {{schema}} to {{producer_role}}
