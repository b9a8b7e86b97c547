-- Which of the signed jobs $1, just claimed, ran before (message signing,
-- docs/security.md): a job that completed after its signature was checked
-- (signed_runs), or one with a final result (failed by the rescue sweep,
-- revoked). Their messages are copies of one that was already handled.
select s.id::text as id from {{schema}}.signed_runs s where s.id = any($1::uuid[])
union
select r.id::text from {{schema}}.results r where r.id = any($1::uuid[]) and r.state in ('SUCCESS', 'FAILURE', 'REVOKED')
