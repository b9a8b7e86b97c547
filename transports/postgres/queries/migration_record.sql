-- $3: the tq version applying it; $4: whether older code cannot use the schema after it.
insert into {{schema}}.migrations (version, name, tq_version, breaking) values ($1, $2, $3, $4)
