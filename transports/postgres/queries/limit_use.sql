-- How many places each limit of $1 ("task:NAME", "queue:NAME") has taken:
-- the holders whose job still runs under the attempt that took the place.
select k.key, (select count(*) from {{schema}}.limit_holders h join {{schema}}.jobs j on j.id = h.job_id
               where h.key = k.key and j.attempt = h.attempt and j.state = 'running')::integer as used
from unnest($1::text[]) as k(key)
