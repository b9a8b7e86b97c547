/**
 * Every default in one place (STYLE.md 5), each with the reason for its value.
 */

/** Used when neither options nor TQ_DATABASE_URL name a database: the local server's usual address. */
export const DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres";

/** One schema holds every table; two apps on one database pick different ones. */
export const DEFAULT_SCHEMA = "tq";

/** The queue a task uses when it names none (Celery's "celery" queue, renamed). */
export const DEFAULT_QUEUE = "default";

/** Middle of 0..9 so a task can be made both more and less urgent than the default. */
export const DEFAULT_PRIORITY = 5;

/** Celery's default; a retry is one update of the job row. */
export const DEFAULT_MAX_RETRIES = 3;

/** Delay before a retry when a task names none. */
export const DEFAULT_RETRY_DELAY_MS = 1_000;

/** Concurrent handlers per worker; async handlers are cheap, so well above the core count. */
export const DEFAULT_CONCURRENCY = 10;

/** Jobs claimed beyond the free slots so the next job starts without a round trip; each one is held by this worker if it dies. */
export const DEFAULT_PREFETCH = 10;

/**
 * Largest number of jobs one claim or one completion statement handles. A
 * worker claims this many only when its jobs finish faster than a claim round
 * trip (the prefetch window adapts); per-statement cost then dominates: on the
 * 2-core test machine a 500-job claim cost 24 us a job against 135 us at 10.
 */
export const DEFAULT_BATCH_SIZE = 500;

/** How long a claimed job stays ours without a heartbeat: the time a dead worker's job waits before it runs again. */
export const DEFAULT_LEASE_MS = 30_000;

/**
 * Heartbeats renew leases well inside the lease so a slow heartbeat does not
 * lose one: when `heartbeat` is not set it is the lease divided by
 * HEARTBEATS_PER_LEASE, at most this (5 s for the default 30 s lease).
 */
export const DEFAULT_HEARTBEAT_MS = 5_000;

/**
 * A heartbeat left unset is a sixth of the lease: five heartbeats in a row
 * may be late or lost before a running job's lease runs out.
 */
export const HEARTBEATS_PER_LEASE = 6;

/** Polling fallback for when notifications are not delivered (poolers, the embedded database). */
export const DEFAULT_POLL_INTERVAL_MS = 1_000;

/** How long a worker lets running tasks finish after SIGTERM before it hands them back and exits. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 30_000;

/** Results are kept a day (Celery's result_expires default). */
export const DEFAULT_RESULT_TTL_MS = 24 * 60 * 60 * 1000;

/** Connections per app: the listener has its own on top. */
export const DEFAULT_POOL_SIZE = 10;

/** Largest message accepted, as JSON bytes: far past any sane argument list, well under Postgres' jsonb limit. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

/**
 * How often a worker's maintenance loop sweeps expired leases and results:
 * when `maintenanceInterval` is not set, the lease divided by
 * SWEEPS_PER_LEASE, at most this (5 s for the default 30 s lease).
 */
export const DEFAULT_MAINTENANCE_MS = 5_000;

/**
 * A sweep interval left unset is a sixth of the lease, so a dead worker's job
 * runs again at most about a sixth of the lease after its lease expired.
 */
export const SWEEPS_PER_LEASE = 6;

/**
 * How often a standby beat asks for the lead, and the longest the leader
 * sleeps between looks at the schedules: a schedule added at run time is seen
 * within a second.
 */
export const DEFAULT_BEAT_CHECK_INTERVAL_MS = 1_000;

/**
 * How long a beat's lead lasts unless renewed (the leader renews it each
 * round, at least once per check interval). When the leader dies without its
 * database session ending (the embedded database, a lost host, a hung
 * process) a standby leads this long after the last renewal. Unset, it is
 * this or BEAT_LEASE_PER_CHECK check intervals, whichever is longer.
 */
export const DEFAULT_BEAT_LEASE_MS = 5_000;

/** A beat lease left unset spans at least five check intervals: four late rounds in a row keep the lead. */
export const BEAT_LEASE_PER_CHECK = 5;

/**
 * Longest wait of a beat between attempts while the database fails (the
 * wait doubles from the check interval up to this): it resumes within
 * seconds of the database coming back. Unset, it is this or the check
 * interval, whichever is longer.
 */
export const DEFAULT_BEAT_MAX_BACKOFF_MS = 5_000;

/** Log level of the library when the user sets none: quiet unless something is wrong. */
export const DEFAULT_LOG_LEVEL = "warn";

/** Longest exponential retry delay: a task failing for hours still tries every 10 minutes. */
export const DEFAULT_RETRY_BACKOFF_MAX_MS = 10 * 60 * 1000;

/** Failed jobs (with their message and errors, for `tq retry`) are kept a week: long enough to notice and act. */
export const DEFAULT_FAILED_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * A signed message is refused once it is older than this (from when it was
 * sent, or its ETA): a week, as long as a failed job is kept for `tq retry`,
 * so a backlog or a long retry rarely meets it (docs/security.md).
 */
export const DEFAULT_SIGNATURE_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;

/** A queue name: 1-100 letters, digits or _.:- (the message schema says the same). */
export const QUEUE_NAME = /^[A-Za-z0-9_.:-]{1,100}$/;

/** Dead rows a hot table may carry before tq vacuums it (and `tq doctor` reports it), plus VACUUM_SHARE of its live ones. */
export const VACUUM_DEAD_ROWS = 10_000;
export const VACUUM_SHARE = 0.2;
