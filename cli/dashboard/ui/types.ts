/**
 * The shapes of the dashboard's JSON API (cli/dashboard/server.ts), as the
 * browser receives them: dates are ISO-8601 strings, and anything a task
 * produced (arguments, values, progress) is plain JSON of unknown shape.
 */

/** One queue's counts in `GET /api/overview`. */
export interface QueueSummary {
  queue: string;
  queued: number;
  scheduled: number;
  running: number;
  failed: number;
  doneLastMinute: number;
  doneLastHour: number;
  oldestMs: number | null;
  consumers: number;
  paused: boolean;
  concurrencyLimit: number | null;
  limitUsed: number | null;
  groups: number;
  groupConcurrency: number | null;
}

/** A registered worker and what its last heartbeat reported. */
export interface WorkerRecord {
  id: string;
  app: string;
  host: string;
  pid: number;
  queues: string[];
  concurrency: number;
  tasks: string[];
  version: string;
  startedAt: string;
  heartbeatAt: string;
  alive: boolean;
  pool?: string | null;
  prefetch?: number | null;
  running?: number;
  succeeded?: number;
  failed?: number;
  retried?: number;
  events?: boolean;
}

/** `GET /api/overview`, also pushed as the stream's `overview` event. */
export interface Overview {
  now: string;
  readOnly: boolean;
  tokenRequired: boolean;
  queues: QueueSummary[];
  workers: WorkerRecord[];
}

/** One minute of `GET /api/chart`; the averages are null in a minute with no job. */
export interface ChartMinute {
  at: string;
  succeeded: number;
  failed: number;
  runMs: number | null;
  waitMs: number | null;
}

/** `GET /api/chart`: the last 60 minutes, oldest first. */
export interface Chart {
  minutes: ChartMinute[];
}

/** The lists `GET /api/jobs?list=` serves. */
export type ListName = "active" | "scheduled" | "failed";

/** A queued or running job, in the active and scheduled lists. */
export interface LiveJobItem {
  id: string;
  task: string;
  queue: string;
  priority: number;
  state: "queued" | "running";
  attempt: number;
  /** Retries so far. */
  retries: number;
  worker: string | null;
  runAt: string | null;
  startedAt: string | null;
  createdAt: string | null;
  leaseUntil: string | null;
  args: unknown;
}

/** A failed job's stored result, in the failed list. */
export interface FailedJobItem {
  id: string;
  task: string;
  queue: string | null;
  attempts: number;
  finishedAt: string;
  errorType: string | null;
  errorMessage: string | null;
}

/** One page of `GET /api/jobs`. */
export interface JobList<T = LiveJobItem | FailedJobItem> {
  list: ListName;
  items: T[];
  offset: number;
  limit: number;
  more: boolean;
  cap: number;
}

/** A job's state as the API names it. */
export type JobState = "PENDING" | "STARTED" | "RETRY" | "SUCCESS" | "FAILURE" | "REVOKED";

/** One failed attempt in a job's history. */
export interface AttemptError {
  attempt: number;
  at: string;
  type: string;
  message: string;
}

/** One time a stopping worker handed a running job back (not a failure). */
export interface Interruption {
  attempt: number;
  at: string;
  worker: string;
  reason: string;
}

/** The task message as sent; args and kwargs come redacted by the server. */
export interface TaskMessage {
  args?: unknown;
  kwargs?: unknown;
  [key: string]: unknown;
}

/** The queued or running row of a job. */
export interface JobRow {
  queue: string;
  group: string | null;
  priority: number;
  state: string;
  attempt: number;
  uncharged: number;
  maxAttempts: number | null;
  interruptions: Interruption[];
  worker: string | null;
  runAt: string | null;
  startedAt: string | null;
  createdAt: string | null;
  leaseUntil: string | null;
  expiresAt: string | null;
  revoke: string | null;
  errors: AttemptError[];
  meta: unknown;
  message: TaskMessage | null;
}

/** A finished job's stored result. */
export interface JobResult {
  task: string | null;
  state: string;
  value: unknown;
  error: { type: string; message: string; stack?: string; code?: string } | null;
  meta: unknown;
  attempts: number;
  worker: string | null;
  finishedAt: string | null;
  expiresAt: string | null;
  errors: AttemptError[];
  interruptions: Interruption[];
  message: TaskMessage | null;
  queue: string | null;
  parentId: string | null;
  rootId: string | null;
  sentAt: string | null;
  startedAt: string | null;
}

/** A recorded task or worker event (workers started with `-E`). */
export interface TqEvent {
  id: number | string;
  type: string;
  clock?: number;
  at: string;
  taskId?: string | null;
  task?: string | null;
  worker?: string | null;
  data?: unknown;
}

/** `GET /api/jobs/:id`. */
export interface JobDetail {
  id: string;
  state: JobState;
  task: string | null;
  now: string;
  chord: { role: string; id: string; state: string; done: number; total: number } | null;
  job: JobRow | null;
  result: JobResult | null;
  children: { id: string; task: string | null; state: string }[];
  events: TqEvent[];
}

/** One schedule of `GET /api/schedules`. */
export interface ScheduleItem {
  name: string;
  task: string;
  kind: string;
  spec: string;
  tz: string | null;
  description: string | null;
  enabled: boolean;
  source: string;
  nextRunAt: string | null;
  lastFireAt: string | null;
  lastSentAt: string | null;
  lastJobId: string | null;
  problem?: string | null;
}

/** The states after which a job changes no more (unless retried). */
export const FINAL_STATES: readonly string[] = ["SUCCESS", "FAILURE", "REVOKED"];
