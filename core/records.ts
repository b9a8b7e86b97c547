/**
 * What the transport reads back for inspection, control and schedules:
 * records of workers, queues, jobs, results, commands and schedules. The
 * transport interface (transport.ts) returns them; they carry no behaviour.
 */
import type { ErrorInfo } from "./errors.ts";

/** A time a stopping worker handed a running job back. */
export interface Interruption {
  /** The claim it was running under (the job's `attempt` then). */
  attempt: number;
  /** ISO-8601 time, by the database clock. */
  at: string;
  /** The id of the worker that handed it back. */
  worker: string;
  /** Why: "shutdown" (its worker stopped before the job finished). */
  reason: string;
}

/** One failed attempt in a job's history. */
export interface AttemptError {
  /** The claim that failed (the job's `attempt` then). */
  attempt: number;
  /** ISO-8601 time of the failure, by the database clock. */
  at: string;
  /** The error's type (ErrorInfo.type). */
  type: string;
  /** The error's message. */
  message: string;
}

/** Celery's task states. */
export type TaskState = "PENDING" | "STARTED" | "RETRY" | "SUCCESS" | "FAILURE" | "REVOKED";

/** A running worker's identity, as stored for inspection. */
export interface WorkerInfo {
  /** The worker's id, "host:pid:random". */
  id: string;
  /** Its app's name. */
  app: string;
  /** The machine it runs on. */
  host: string;
  /** Its process id. */
  pid: number;
  /** The queues it consumes. */
  queues: string[];
  /** How many handlers it runs at once. */
  concurrency: number;
  /** The names of the tasks it has registered. */
  tasks: string[];
  /** The worker's tq version; null for a worker of a tq before 0.2.0, which did not record it. */
  version: string | null;
  /** The newest message protocol the worker understands; it leaves newer messages to others (null: before 0.2.0, protocol 1). */
  protocol: number | null;
  /** The cluster-wide concurrency limits its code declares (null: none recorded, a tq before 0.3.0). */
  limits?: {
    task: Record<string, number>;
    queue: Record<string, number>;
    /** Per group (absent before groups were added). */
    taskPerGroup?: Record<string, number>;
    queuePerGroup?: Record<string, number>;
  } | null;
}

/** What a worker reports with each heartbeat, for inspection. */
export interface WorkerStatus {
  /** Where its handlers run: "async", "threads" or "process". */
  pool: string;
  /** The prefetch window now (it adapts). */
  prefetch: number;
  /** Jobs in its slots now (prefetched ones not counted). */
  running: number;
  /** Jobs whose success it stored, since it started. */
  succeeded: number;
  /** Jobs it stored as FAILURE or REVOKED, since it started. */
  failed: number;
  /** Attempts it ended with a retry, since it started. */
  retried: number;
  /** Whether it sends events (-E). */
  events: boolean;
}

/** A task or worker event as sent. */
export interface TqEvent {
  /** "task-sent", "worker-online"... (EventType). */
  type: string;
  /** The sender's Lamport clock. */
  clock: number;
  /** ISO-8601 time by the sender's clock. */
  at: string;
  /** The task's id, for a task event. */
  taskId?: string;
  /** The task's name, for a task event. */
  task?: string;
  /** The id of the worker that sent it, when a worker did. */
  worker?: string;
  /** The details, which depend on the type: a sent task's queue and arguments, an outcome's runtime and error, a worker's counts. */
  data?: Record<string, unknown>;
  /** task-sent from a sender without the task's code: the store shows `data.args` by the task's stored redaction rule (docs/security.md). */
  argsByRule?: boolean;
}

/** A schedule as stored: what to send and when. */
export interface ScheduleDefinition {
  /** The schedule's unique name. */
  name: string;
  /** The name of the task it sends. */
  task: string;
  /** Which function made its timing: cron(), every() or at(). */
  kind: "cron" | "every" | "at";
  /** The cron expression, the interval in ms, or the ISO-8601 time. */
  spec: string;
  /** IANA time zone of a cron schedule; null means UTC. */
  tz: string | null;
  /** Arguments of each tick's job. */
  args: unknown[];
  /** Keyword arguments of each tick's job. */
  kwargs: Record<string, unknown>;
  /** Send options: queue, priority, expires, maxRetries, timeLimit. */
  options: Record<string, unknown>;
  /** Ticks missed while no beat ran: skipped, sent once, or all sent. */
  missed: "skip" | "once" | "all";
  /** False while disabled (`tq beat disable`): no ticks are sent. */
  enabled: boolean;
}

/** A worker row as read back, with liveness judged by the database clock. */
export interface WorkerRecord extends WorkerInfo, Partial<WorkerStatus> {
  /** When it started, by the database clock. */
  startedAt: Date;
  /** Its last heartbeat, by the database clock. */
  heartbeatAt: Date;
  /** Whether its last heartbeat came within three heartbeat intervals (`app.workerStaleMs`). */
  alive: boolean;
}

/** How many jobs of one queue are in one state. */
export interface QueueCount {
  /** The queue's name. */
  queue: string;
  /** The jobs' state: waiting in the queue, or claimed by a worker. */
  state: "queued" | "running";
  /** How many jobs. */
  count: number;
}

/** What a revoke did to one id. */
export interface RevokeOutcome {
  /** The task id revoked. */
  id: string;
  /** revoked: it was waiting and will never run; signalled: it is running and its worker was told; finished: it had already ended; unknown: no such job. */
  outcome: "revoked" | "signalled" | "finished" | "unknown";
  /** The worker running it, when signalled. */
  worker: string | null;
}

/** A command broadcast to workers and stored until it expires. */
export interface ControlCommand {
  id: number;
  command: string;
  args: Record<string, unknown>;
}

/** One worker's reply to a command. */
export interface ControlReply {
  /** The id of the worker that replied. */
  worker: string;
  /** Its answer; what it holds depends on the command. */
  reply: Record<string, unknown>;
  /** When the reply was stored, by the database clock. */
  at: Date;
}

/** An event as stored, with its place in the stream. */
export interface StoredEvent extends TqEvent {
  /** Its place in the stream: increasing, so a reader resumes after the last id it saw. */
  id: number;
}

/** One queue's counts for `tq inspect queues`. */
export interface QueueSummary {
  /** The queue's name. */
  queue: string;
  /** Ready to run now. */
  queued: number;
  /** Waiting for a later time (countdown, eta, retry delay). */
  scheduled: number;
  /** Claimed by workers: running, or prefetched. */
  running: number;
  /** Failed and kept for `tq retry`. */
  failed: number;
  /** Finished (succeeded or failed) since the start of the previous minute. */
  doneLastMinute: number;
  /** Finished (succeeded or failed) in about the last hour, counted by the minute. */
  doneLastHour: number;
  /** Average time from start to completion of the jobs finished in about the last hour (ms); null when none. */
  runMsLastHour: number | null;
  /** Average time those jobs waited once due before a worker started them (ms); null when none. */
  waitMsLastHour: number | null;
  /** Age of the oldest ready job, or null. */
  oldestMs: number | null;
  /** Live workers consuming it. */
  consumers: number;
  /** Paused cluster-wide (`tq control pause`): no worker starts its jobs. */
  paused: boolean;
  /** Its cluster-wide concurrency limit, as live workers declare it; null when none. */
  concurrencyLimit: number | null;
  /** Places of that limit taken now (jobs claimed or running); null without a limit. */
  limitUsed: number | null;
  /** Groups (the send option `group`) with jobs waiting in it. */
  groups: number;
  /** Most jobs running at once per group, as live workers declare it (queueGroupConcurrency); null when none. */
  groupConcurrency: number | null;
}

/** One minute of the last hour, across queues: for the dashboard's charts. */
export interface TimelineMinute {
  /** The minute's start, by the database clock. */
  at: Date;
  /** Jobs that succeeded in it. */
  succeeded: number;
  /** Jobs that ended otherwise (FAILURE, REVOKED). */
  failed: number;
  /** Average time from a job's start to its completion (ms); null when none finished that had started. */
  runMs: number | null;
  /** Average time a job waited once due before a worker started it (ms); null as runMs. */
  waitMs: number | null;
}

/** A job in the hot table, for lists. */
export interface JobSummary {
  /** The job id, also the result id. */
  id: string;
  /** The task's name. */
  task: string;
  /** The queue it is in. */
  queue: string;
  /** 0..9, 9 first. */
  priority: number;
  /** Waiting in its queue, or claimed by a worker. */
  state: "queued" | "running";
  /** Claims so far (the fencing token). */
  attempt: number;
  /** Retries so far. */
  retries: number;
  /** The id of the worker holding it; null while queued. */
  worker: string | null;
  /** When it may run from: when it was sent, or its countdown, eta or retry delay. */
  runAt: Date;
  /** When its handler started; null until then. */
  startedAt: Date | null;
  /** When the job was written. */
  createdAt: Date;
  /** When its worker's lease ends unless renewed; null while queued. */
  leaseUntil: Date | null;
  /** Its arguments as tq shows them: those the task marks with `redact` hidden. */
  args: unknown[];
}

/** A failed task kept for `tq retry`. */
export interface FailedSummary {
  /** The task id: what `tq retry` takes. */
  id: string;
  /** The task's name, when known. */
  task: string | null;
  /** The queue it was sent to, when known. */
  queue: string | null;
  /** Attempts it made. */
  attempts: number;
  /** When it failed for good, by the database clock. */
  finishedAt: Date;
  /** The final error's type (ErrorInfo.type), when known. */
  errorType: string | null;
  /** The final error's message, when known. */
  errorMessage: string | null;
}

/** A task's place in a chord: its callback, or one of its members. */
export interface ChordPlace {
  /** Whether the task is the chord's callback or one of its members. */
  role: "callback" | "member";
  /** The chord's id (its callback's job id). */
  id: string;
  /**
   * open: members still running; ready: every member succeeded and the
   * callback is being sent; fired: the callback was sent; failed: a member
   * failed for good or was revoked, so the callback never runs.
   */
  state: "open" | "ready" | "fired" | "failed";
  /** Members that reached a final state, of `total`. */
  done: number;
  /** How many members the chord has. */
  total: number;
}

/** Everything stored about one task id. */
export interface JobDetail {
  /** The database's time when this was read: what the job's times compare with. */
  now: Date;
  /** Its place in a chord; null when it has none. */
  chord: ChordPlace | null;
  /** Its job while it is queued or running; null once it finished (or when there never was one). */
  job: {
    queue: string;
    /** The group it was sent with (the send option `group`); null when none. */
    group: string | null;
    priority: number;
    state: "queued" | "running";
    /** Claims so far (the fencing token); `uncharged` of them did not count as attempts. */
    attempt: number;
    uncharged: number;
    /** Null until a worker claims it and applies the task's declared retries. */
    maxAttempts: number | null;
    interruptions: Interruption[];
    worker: string | null;
    runAt: Date;
    startedAt: Date | null;
    createdAt: Date;
    leaseUntil: Date | null;
    expiresAt: Date | null;
    revoke: "revoke" | "terminate" | null;
    errors: AttemptError[];
    meta: unknown;
    message: unknown;
  } | null;
  /** Its stored result once it finished (kept for `resultTtl`, a failure for `failedTtl`); null before. */
  result: {
    task: string | null;
    state: TaskState;
    value: unknown;
    error: ErrorInfo | null;
    meta: unknown;
    attempts: number;
    worker: string | null;
    finishedAt: Date;
    expiresAt: Date | null;
    errors: AttemptError[];
    interruptions: Interruption[];
    message: unknown;
    queue: string | null;
    parentId: string | null;
    rootId: string | null;
    sentAt: Date | null;
    startedAt: Date | null;
  } | null;
}

/** Settings changed at run time; they override a task's options. */
export interface TaskSettings {
  task: string;
  rateLimit: string | null;
  clusterRateLimit: string | null;
  /** Time limits set at run time (ms; null for none), or null to use the task's option. */
  timeLimit: [number | null, number | null] | null;
}

/** A stored schedule with where it came from and its last tick. */
export interface ScheduleRecord extends ScheduleDefinition {
  /** code: app.conf.beatSchedule, written by the leading beat; runtime: added with `tq beat add`. */
  source: "code" | "runtime";
  /** The last tick sent or skipped, by the database clock. */
  lastFireAt: Date;
  /** The last tick that sent a job, and that job. */
  lastSentAt: Date | null;
  /** The id of the job that tick sent; null when none was sent yet. */
  lastJobId: string | null;
  /** When the schedule was first stored, by the database clock. */
  createdAt: Date;
  /** When its definition last changed, by the database clock. */
  updatedAt: Date;
}

/** The least-privilege roles of a schema (`tq migrate --roles`, docs/security.md). */
export interface SchemaRoles {
  producer: string;
  worker: string;
  inspector: string;
}

/** What `tq doctor` reads from the database; core/doctor.ts judges it. */
export interface DoctorFacts {
  /** Workers whose heartbeat stopped (longer than a lease ago) that still hold running jobs. */
  deadHolders: { id: string; host: string; pid: number; silentMs: number; jobs: number }[];
  /** Running jobs whose lease ran out long ago (no worker sweeps them), and how long ago the oldest one's did. */
  overdue: { jobs: number; oldestMs: number | null };
  /** Queued jobs of tasks that no live worker consuming their queue has registered. */
  unregistered: { task: string | null; queue: string; jobs: number }[];
  /** The hot tables: rows, dead rows, bytes, and their last vacuum. */
  tables: { name: string; live: number; dead: number; tableBytes: number; indexBytes: number; lastVacuum: Date | null }[];
  /** Whether the server's autovacuum is on. */
  autovacuum: boolean;
  maxConnections: number;
  reservedConnections: number;
  /** Client connections open on the server now. */
  connections: number;
  liveWorkers: number;
  /** Tables and indexes this tq's migrations make that the schema lacks. */
  missing: string[];
}
