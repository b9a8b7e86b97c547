-- Every applied migration with what a newer tq recorded about it: a schema
-- last migrated by a tq before 0012 has neither column, so they are read
-- through to_jsonb, which answers null for a missing key.
select version, (to_jsonb(m)->>'breaking')::boolean as breaking, to_jsonb(m)->>'tq_version' as tq_version
from {{schema}}.migrations m
order by version
