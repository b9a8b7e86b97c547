-- The database clock, which decides every countdown, expiry, lease and beat
-- tick (app.now()). now(), not clock_timestamp(): it is the function tq's own
-- statements compare with, and alone in its statement it is that statement's
-- start, a few microseconds from clock_timestamp(). Needs no table, so asking
-- creates and migrates nothing.
select now() as now
