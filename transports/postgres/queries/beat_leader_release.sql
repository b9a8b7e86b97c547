select pg_advisory_unlock(29809, hashtext($1::text) & 2147483647) as released
