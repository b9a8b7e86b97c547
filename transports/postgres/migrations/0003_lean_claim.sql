-- A claim inserts into every index of jobs whose columns it changes. The
-- heartbeat now names the ids it holds (primary key), so the index on worker
-- is no longer needed, and each claim costs one index insertion less.
drop index if exists {{schema}}.jobs_worker;
