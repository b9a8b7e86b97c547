insert into {{schema}}.migrations (version, name) values ($1, $2)
