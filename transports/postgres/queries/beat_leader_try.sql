-- Beat leadership, on the beat's own connection: holder $1 leads for $2 ms
-- from now (database clock). One atomic statement: it renews the row when $1
-- holds it, and takes it when the row is free, which is when
--   * there is none (first beat, or the last leader stepped down),
--   * its lease has run out (a leader that died or was cut off without its
--     session ending: the embedded database, a lost host, a hung process), or
--   * the backend that renewed it has ended and is not this one: on a server
--     a killed leader's session ends with it, so a standby takes over on its
--     next check without waiting out the lease. On the embedded database all
--     clients share one backend, so only the lease can tell them apart.
-- ON CONFLICT locks the row and evaluates the WHERE on its latest version,
-- so of two standbys racing for a free row exactly one wins. Returns a row
-- only when $1 leads.
insert into {{schema}}.beat_leader as l (id, holder, backend_pid, since, lease_until)
values (true, $1, pg_backend_pid(), now(), now() + $2::integer * interval '1 millisecond')
on conflict (id) do update
  set holder = excluded.holder,
      backend_pid = excluded.backend_pid,
      since = case when l.holder = excluded.holder then l.since else now() end,
      lease_until = excluded.lease_until
  where l.holder = excluded.holder
     or l.lease_until <= now()
     or (l.backend_pid <> pg_backend_pid()
         and not exists (select 1 from pg_stat_activity a where a.pid = l.backend_pid))
returning true as leader
