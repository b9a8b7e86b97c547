delete from {{schema}}.results where id = $1::uuid
