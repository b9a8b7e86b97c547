delete from {{schema}}.workers where id = $1
