-- `tq doctor`: a notification on channel $1, to time how long LISTEN takes to hear it.
select pg_notify($1, $2)
