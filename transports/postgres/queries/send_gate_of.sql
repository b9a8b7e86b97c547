-- The throttle or debounce key that job $1 stands for, if any (tq inspect why).
select kind, key from {{schema}}.send_gates where job_id = $1::uuid
