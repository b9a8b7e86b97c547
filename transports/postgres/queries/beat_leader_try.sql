-- Beat leadership, on the beat's own connection: true when this session
-- holds the schema's beat lock, taking it if it is free. Asked again each
-- round: after a reconnect the new session holds nothing and must win the
-- lock again, or stand by. The lock is (29809 'tq', hash of the schema) and
-- ends with the session, so a dead leader frees it.
select case
  when exists (
    select 1 from pg_locks
    where locktype = 'advisory' and pid = pg_backend_pid() and granted
      and classid = 29809 and objid = (hashtext($1::text) & 2147483647)::oid and objsubid = 2
  ) then true
  else pg_try_advisory_lock(29809, hashtext($1::text) & 2147483647)
end as leader
