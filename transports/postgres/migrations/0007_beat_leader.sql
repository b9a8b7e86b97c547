-- Beat leadership as a row with a lease, instead of a session advisory lock:
-- on the embedded database every client shares one Postgres session, so a
-- session lock was "held" by every beat and each of them led.

-- At most one row per schema: the leading beat, renewed each round by the
-- leader. Another beat may take it once `lease_until` has passed (database
-- clock), or at once when the backend that last renewed it has ended (a
-- killed leader, on a server: see queries/beat_leader_try.sql).
create table {{schema}}.beat_leader (
  id boolean primary key default true check (id),
  -- A random id per beat process: only its holder renews or releases the row.
  holder text not null,
  -- The backend (pg_backend_pid()) of the holder's own connection.
  backend_pid integer not null,
  since timestamptz not null default now(),
  lease_until timestamptz not null
);
