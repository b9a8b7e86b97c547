-- Everything stored about task $1: its row in the hot table (waiting or
-- running) and its result, with the database clock's now. The messages show
-- their arguments as tq shows them (args_shown, migration 0010): the real
-- ones stay in the tables, for the handler and `tq retry`.
select now() as db_now, i.id::text as inspected_id,
       j.id is not null as has_job, j.queue as job_queue, nullif(j.grp, '') as job_group, j.priority, j.state as job_state, j.attempt as job_attempt,
       j.max_attempts, j.uncharged, j.interruptions as job_interruptions, j.worker as job_worker, j.run_at, j.started_at as job_started_at, j.created_at as job_created_at,
       j.lease_until, j.expires_at, j.revoke, j.errors as job_errors, j.meta as job_meta,
       case when j.args_shown is null then j.message else j.message || j.args_shown end as job_message,
       r.id is not null as has_result, r.task as result_task, r.state as result_state, r.value, r.error, r.meta as result_meta,
       r.attempts as result_attempts, r.worker as result_worker, r.finished_at, r.expires_at as result_expires_at,
       r.errors as result_errors, r.interruptions as result_interruptions, case when r.args_shown is null then r.message else r.message || r.args_shown end as result_message, r.queue as result_queue, r.parent_id::text as result_parent_id,
       r.root_id::text as result_root_id, r.sent_at, r.started_at as result_started_at,
       -- Its place in a workflow (migration 11): the chord it is the callback of, or a member of.
       cb.state as callback_chord_state, cardinality(cb.members) - cb.remaining as callback_chord_done, cardinality(cb.members) as callback_chord_total,
       mc.id::text as member_chord_id, mc.state as member_chord_state, cardinality(mc.members) - mc.remaining as member_chord_done,
       cardinality(mc.members) as member_chord_total
from (select $1::uuid as id) as i
left join {{schema}}.jobs j on j.id = i.id
left join {{schema}}.results r on r.id = i.id
left join {{schema}}.chords cb on cb.id = i.id
left join {{schema}}.chords mc on mc.id = (coalesce(j.message, r.message)->'chord'->>'id')::uuid
