-- What both claims return: a row per claimed job (cursor_queue null), and a
-- row per queue with groups (id null) naming the group its next claim
-- starts after.
select c.*, r.queue as cursor_queue, r.grp as cursor_group
from claimed c full join cursor r on false
