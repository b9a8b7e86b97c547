-- The tables of schema $1 that need a VACUUM tq should run itself: more than
-- $2 dead rows plus $3 of their live ones, and nobody vacuuming them. Nobody
-- is when autovacuum is off (for the server or the table), or when it is on
-- but no vacuum has finished on the table for $4 ms: a queue's hot table
-- leaves two dead rows per job, and every claim steps over those not yet
-- removed (docs/performance.md, W9). pg_stat_user_tables counts are a few
-- hundred ms behind, which only delays a vacuum by a sweep. Only tables this
-- role may vacuum (it owns them, or is a superuser) are named.
select s.relname as name, s.n_dead_tup::float8 as dead, s.n_live_tup::float8 as live
from pg_stat_user_tables s
join pg_class c on c.oid = s.relid
where s.schemaname = $1
  and pg_has_role(c.relowner, 'MEMBER')
  and s.n_dead_tup > $2::float8 + $3::float8 * s.n_live_tup
  and (current_setting('autovacuum') = 'off'
       or coalesce(c.reloptions, '{}') @> array['autovacuum_enabled=false']
       or coalesce(greatest(s.last_vacuum, s.last_autovacuum), '-infinity') < now() - make_interval(secs => $4::float8 / 1000))
order by s.n_dead_tup desc
