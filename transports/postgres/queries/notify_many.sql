-- Sends wake-ups after the change they announce has committed, on the
-- notifier connection (synchronous_commit off). PostgreSQL serialises the
-- commits of transactions that NOTIFY behind one database-wide lock held
-- through the commit's WAL flush: measured here, 50 concurrent senders spent
-- most of their time waiting on it (Lock:object) and a single insert took
-- 35 ms at the median. Done apart, and without waiting for the flush, the
-- lock is held for microseconds; a wake-up lost in a crash is covered by the
-- pollers.
select pg_notify($1, payload) from unnest($2::text[]) as t(payload)
