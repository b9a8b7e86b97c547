-- Waiting jobs of queue $1, for `tq purge` to ask about.
select count(*)::integer as queued from {{schema}}.jobs where queue = $1 and state = 'queued'
