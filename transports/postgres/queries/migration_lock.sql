-- Serialises migrators of one schema: several workers starting at once wait
-- here in turn, and the later ones find nothing left to apply. The lock ends
-- with the transaction.
select pg_advisory_xact_lock(hashtextextended('tq.migrate.' || $1::text, 0))
