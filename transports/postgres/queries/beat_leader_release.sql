-- Steps down: deletes the leader row if holder $1 still holds it, so a
-- standby takes over on its next check. A beat that does not hold the row
-- (a standby, or a leader already replaced) changes nothing.
delete from {{schema}}.beat_leader where holder = $1 returning true as released
