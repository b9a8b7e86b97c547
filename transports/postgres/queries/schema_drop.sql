-- Removes tq's schema with every job, result and worker row in it (benchmarks, test teardown, uninstall).
drop schema if exists {{schema}} cascade
