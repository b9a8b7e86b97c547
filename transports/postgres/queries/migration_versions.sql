select version from {{schema}}.migrations order by version
