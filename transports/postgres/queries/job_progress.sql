-- Stores a running task's progress meta (ctx.progress), fenced by its token.
update {{schema}}.jobs set meta = $3::text::jsonb
where id = $1 and attempt = $2 and state = 'running'
