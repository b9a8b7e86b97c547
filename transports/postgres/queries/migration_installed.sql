-- Whether tq's tables are in this schema, found without creating anything:
-- read-only commands (tq inspect, tq events) must leave a database without
-- tq as they found it. to_regclass answers null for a missing schema or
-- table, where naming the table in FROM would fail.
select to_regclass('{{schema}}.migrations') is not null as installed
