/**
 * What the transport reads back for inspection, control and schedules:
 * records of workers, queues, jobs, results, commands and schedules. The
 * transport interface (transport.ts) returns them; they carry no behaviour.
 */
import type { ErrorInfo } from "./errors.ts";

/** A time a stopping worker handed a running job back. */
export interface Interruption {
  attempt: number;
  /** ISO-8601 time, by the database clock. */
  at: string;
  worker: string;
  reason: string;
}

/** One failed attempt in a job's history. */
export interface AttemptError {
  attempt: number;
  /** ISO-8601 time of the failure, by the database clock. */
  at: string;
  type: string;
  message: string;
}

/** Celery's task states. */
export type TaskState = "PENDING" | "STARTED" | "RETRY" | "SUCCESS" | "FAILURE" | "REVOKED";

/** A running worker's identity, as stored for inspection. */
export interface WorkerInfo {
  id: string;
  app: string;
  host: string;
  pid: number;
  queues: string[];
  concurrency: number;
  tasks: string[];
}

/** What a worker reports with each heartbeat, for inspection. */
export interface WorkerStatus {
  pool: string;
  /** The prefetch window now (it adapts). */
  prefetch: number;
  running: number;
  succeeded: number;
  failed: number;
  retried: number;
  /** Whether it sends events (-E). */
  events: boolean;
}

/** A task or worker event as sent. */
export interface TqEvent {
  type: string;
  /** The sender's Lamport clock. */
  clock: number;
  /** ISO-8601 time by the sender's clock. */
  at: string;
  taskId?: string;
  task?: string;
  worker?: string;
  data?: Record<string, unknown>;
  /** task-sent from a sender without the task's code: the store shows `data.args` by the task's stored redaction rule (docs/security.md). */
  argsByRule?: boolean;
}

/** A schedule as stored: what to send and when. */
export interface ScheduleDefinition {
  name: string;
  task: string;
  kind: "cron" | "every" | "at";
  spec: string;
  tz: string | null;
  args: unknown[];
  kwargs: Record<string, unknown>;
  /** Send options: queue, priority, expires, maxRetries, timeLimit. */
  options: Record<string, unknown>;
  missed: "skip" | "once" | "all";
  enabled: boolean;
}

/** A worker row as read back, with liveness judged by the database clock. */
export interface WorkerRecord extends WorkerInfo, Partial<WorkerStatus> {
  startedAt: Date;
  heartbeatAt: Date;
  alive: boolean;
}

/** How many jobs of one queue are in one state. */
export interface QueueCount {
  queue: string;
  state: "queued" | "running";
  count: number;
}

/** What a revoke did to one id. */
export interface RevokeOutcome {
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
  worker: string;
  reply: Record<string, unknown>;
  at: Date;
}

/** An event as stored, with its place in the stream. */
export interface StoredEvent extends TqEvent {
  id: number;
}

/** One queue's counts for `tq inspect queues`. */
export interface QueueSummary {
  queue: string;
  /** Ready to run now. */
  queued: number;
  /** Waiting for a later time (countdown, eta, retry delay). */
  scheduled: number;
  running: number;
  /** Failed and kept for `tq retry`. */
  failed: number;
  doneLastMinute: number;
  doneLastHour: number;
  /** Age of the oldest ready job, or null. */
  oldestMs: number | null;
  /** Live workers consuming it. */
  consumers: number;
}

/** A job in the hot table, for lists. */
export interface JobSummary {
  id: string;
  task: string;
  queue: string;
  priority: number;
  state: "queued" | "running";
  attempt: number;
  retries: number;
  worker: string | null;
  runAt: Date;
  startedAt: Date | null;
  createdAt: Date;
  leaseUntil: Date | null;
  args: unknown[];
}

/** A failed task kept for `tq retry`. */
export interface FailedSummary {
  id: string;
  task: string | null;
  queue: string | null;
  attempts: number;
  finishedAt: Date;
  errorType: string | null;
  errorMessage: string | null;
}

/** Everything stored about one task id. */
/** A task's place in a chord: its callback, or one of its members. */
export interface ChordPlace {
  role: "callback" | "member";
  /** The chord's id (its callback's job id). */
  id: string;
  state: "open" | "ready" | "fired" | "failed";
  /** Members that reached a final state, of `total`. */
  done: number;
  total: number;
}

export interface JobDetail {
  now: Date;
  chord: ChordPlace | null;
  job: {
    queue: string;
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
  lastJobId: string | null;
  createdAt: Date;
  updatedAt: Date;
}
