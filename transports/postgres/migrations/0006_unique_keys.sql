-- Unique keys under racing senders. A sender that finds a key taken must tell
-- whether the job holding it is still queued or running. That job may have
-- been committed by a concurrent sender after this sender's statement began;
-- a subquery reads the statement's snapshot, cannot see it, and so took the
-- key over: 50 racing sends of one key made up to 19 jobs.
--
-- A VOLATILE function takes a fresh snapshot for each query it runs (READ
-- COMMITTED; the PostgreSQL manual, "Function Volatility Categories"). Called
-- by ON CONFLICT DO UPDATE, which first waits for and locks the latest version
-- of the key's row, it sees the holder's job (inserted in the same statement
-- as that row) and every removal of it that has committed. No trigger on jobs:
-- jobs without a key cost nothing more, and a completion never waits on a
-- sender's lock on a key. Under REPEATABLE READ the snapshot is the
-- transaction's, but ON CONFLICT then fails with a serialization error on a
-- row version it cannot see, so no second job is made there either.
--
-- It must stay VOLATILE and PL/pgSQL: a STABLE function, or an SQL function
-- inlined into the statement, would read the statement's snapshot again.
create function {{schema}}.job_in_queue(job uuid) returns boolean
language plpgsql volatile as $$
begin
  return exists (select 1 from {{schema}}.jobs where id = job);
end
$$;
