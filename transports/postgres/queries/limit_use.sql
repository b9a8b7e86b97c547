-- How many places each limit of $1 ("task:NAME", "queue:NAME", or a group's
-- key from group_limit_key()) has taken: the holders whose job still runs
-- under the attempt that took the place (limit_used, migration 15).
select k.key, {{schema}}.limit_used(k.key) as used
from unnest($1::text[]) as k(key)
