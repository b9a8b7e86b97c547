-- Asked on a fresh connection when a statement has waited past its deadline
-- (deadline.ts): what each session of this user in this database is doing.
-- A backend still running our statement means a slow statement, not a dead
-- link; one that is idle, gone, or blocked writing to us means the reply
-- will never come. Read only then, so its cost does not matter.
select pid, state, wait_event
from pg_stat_activity
where usename = current_user and datname = current_database() and pid <> pg_backend_pid()
