/**
 * The one interface between core and storage (STYLE.md 2), shaped by queue
 * semantics rather than by any database. Method names are Noun-Verb; every
 * change to a claimed job names its (id, attempt) fencing token.
 */
import type { ErrorInfo } from "./errors.ts";
import type { Message } from "./message.ts";

/** A job as claimed by a worker. `message` is unchecked: the worker validates it. */
export interface ClaimedJob {
  id: string;
  /** The fencing token of this claim. */
  attempt: number;
  message: unknown;
  /** Claimed after its `expires` time (by the database clock): not to be run. */
  expired: boolean;
  /** Revoked while it was held or running: not to be run again. */
  revoke: "revoke" | "terminate" | null;
}

/** A job's (id, attempt) pair: which claim a change belongs to. */
export interface JobToken {
  id: string;
  attempt: number;
}

/** The final outcome of one claimed job. */
export interface Completion extends JobToken {
  state: "SUCCESS" | "FAILURE" | "REVOKED";
  value?: unknown;
  error?: ErrorInfo;
  /** Messages (errbacks) sent in the same statement, only if this completion counts. */
  followUps?: Message[];
  /** false: a success leaves no result row (the task's ignoreResult). */
  store?: false;
}

/** A failed job going back to its queue for another try. */
export interface RetryRequest extends JobToken {
  delayMs: number;
  /** The message with its retry count raised. */
  message: Message;
  /** The error of the attempt that failed, for the attempt history. */
  error: ErrorInfo;
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

/** What the backend knows about one task id. */
export interface ResultRecord {
  id: string;
  state: TaskState;
  task: string | null;
  value: unknown;
  error: ErrorInfo | null;
  meta: unknown;
  attempts: number;
  finishedAt: Date | null;
  /** Every failed attempt so far, oldest first. */
  errors: AttemptError[];
}

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

/** A worker row as read back, with liveness judged by the database clock. */
export interface WorkerRecord extends WorkerInfo {
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

/** Options for sending: `sql` runs the insert in the caller's own transaction. */
export interface InsertOptions {
  /** A postgres.js transaction (or sql instance) of the caller's. */
  sql?: unknown;
  /** Not claimable before this many ms from now, by the database clock (overrides each message's eta). */
  delayMs?: number;
  /** Expires this many ms from now, by the database clock (overrides each message's expires). */
  expiresInMs?: number;
  /** Unique keys stay taken at least this long after sending. */
  uniqueWindowMs?: number;
}

/** How long finished results are kept: successes and revokes, and failures (which keep their message). */
export interface ResultTtls {
  resultTtlMs: number;
  failedTtlMs: number;
}

/** What a revoke did to one id. */
export interface RevokeOutcome {
  id: string;
  /** revoked: it was waiting and will never run; signalled: it is running and its worker was told; finished: it had already ended; unknown: no such job. */
  outcome: "revoked" | "signalled" | "finished" | "unknown";
  /** The worker running it, when signalled. */
  worker: string | null;
}

/** A command broadcast to live workers. */
export type ControlMessage =
  | { type: "revoke"; ids: string[]; terminate: boolean }
  | { type: "settings"; task: string };

/** Settings changed at run time; they override a task's options. */
export interface TaskSettings {
  task: string;
  rateLimit: string | null;
  clusterRateLimit: string | null;
}

/** What a heartbeat brings back: what the worker may have missed between notifications. */
export interface HeartbeatReply {
  revoked: { id: string; terminate: boolean }[];
  /** When task settings last changed (epoch ms), or null if never. */
  settingsAt: number | null;
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

/** Stops a subscription. */
export type Unsubscribe = () => Promise<void>;

export interface Transport {
  /** Applies pending migrations (idempotent, safe when run concurrently). */
  migrate(): Promise<number>;
  /**
   * Stores messages, each already encoded as JSON, in one statement and wakes
   * their queues. Returns, per message, the id of the job standing for it:
   * its own, or for a unique key already taken, the holder's.
   */
  jobInsertMany(encodedMessages: string[], options?: InsertOptions): Promise<string[]>;
  /**
   * Claims up to `limit` ready jobs, highest priority first, FIFO within a
   * priority. Jobs of `earlyAckTasks` are marked at-most-once.
   */
  jobClaim(params: { queues: string[]; limit: number; workerId: string; leaseMs: number; earlyAckTasks?: string[] }): Promise<ClaimedJob[]>;
  /** Finishes jobs and stores their results; returns how many still held their token. */
  jobCompleteMany(completions: Completion[], ttls: ResultTtls): Promise<number>;
  /** Requeues failed jobs with a delay. */
  jobRetryMany(retries: RetryRequest[]): Promise<void>;
  /** Gives claimed, unstarted jobs back to the queue. */
  jobReleaseMany(jobs: JobToken[], workerId: string): Promise<void>;
  /** Requeues, fails or (if revoked) ends jobs whose lease expired. */
  jobRescueExpired(ttls: ResultTtls): Promise<{ requeued: number; failed: number; revoked: number }>;
  /** Revokes jobs: waiting ones never run; running ones are signalled to their worker. */
  jobRevoke(ids: string[], options: { terminate: boolean; reason: string; resultTtlMs: number }): Promise<RevokeOutcome[]>;
  /** Stores a running job's progress meta. */
  jobProgress(job: JobToken, meta: unknown): Promise<void>;
  /** Milliseconds until the earliest queued job is ready; null when none is queued. */
  jobNextReadyIn(queues: string[]): Promise<number | null>;
  /** Queued and running jobs per queue. */
  jobCountByQueue(): Promise<QueueCount[]>;
  /** Registers or refreshes a worker and extends the leases of the jobs it holds. */
  workerHeartbeat(worker: WorkerInfo, leaseMs: number, heldJobIds: string[]): Promise<HeartbeatReply>;
  workerRemove(workerId: string): Promise<void>;
  /** Registered workers; `alive` when the last heartbeat is younger than `staleMs`. */
  workerList(staleMs: number): Promise<WorkerRecord[]>;
  resultGetMany(ids: string[]): Promise<ResultRecord[]>;
  resultForget(id: string): Promise<void>;
  /** Deletes expired results and unique keys; returns how many results. */
  resultCleanExpired(): Promise<number>;
  /** Sends failed jobs again: the given ids, or with `all` every failed job (of `task`). Returns the ids requeued. */
  resultRequeueFailed(params: { ids?: string[]; task?: string; all?: boolean }): Promise<string[]>;
  /** Takes up to `count` tokens from a task's cluster-wide bucket. */
  rateTake(params: { task: string; count: number; perMs: number; capacity: number }): Promise<{ granted: number; waitMs: number }>;
  /** Changes a task's run-time settings (undefined keeps one, null clears it) and tells the workers. */
  taskSettingPut(task: string, settings: { rateLimit?: string | null; clusterRateLimit?: string | null }): Promise<void>;
  taskSettingList(): Promise<TaskSettings[]>;
  /** Calls `onWake` when jobs may be ready in a queue. */
  subscribeJobs(onWake: (queue: string) => void): Promise<Unsubscribe>;
  /** Calls `onFinished` with the ids of tasks that finished. */
  subscribeResults(onFinished: (ids: string[]) => void): Promise<Unsubscribe>;
  /** Calls `onMessage` for each control command broadcast to workers. */
  subscribeControl(onMessage: (message: ControlMessage) => void): Promise<Unsubscribe>;
  /** Every schedule, and the database clock's now. */
  scheduleList(): Promise<{ now: Date; schedules: ScheduleRecord[] }>;
  /**
   * Adds a run-time schedule (with `replace`, replaces a run-time one of the
   * same name). Never overwrites one defined in code.
   */
  scheduleAdd(definition: ScheduleDefinition, replace: boolean): Promise<"added" | "replaced" | "exists" | "code">;
  /** Deletes a run-time schedule; one defined in code is left alone ("code"). */
  scheduleRemove(name: string): Promise<"removed" | "missing" | "code">;
  /** Pauses or resumes a schedule; false when there is none of that name. */
  scheduleSetEnabled(name: string, enabled: boolean): Promise<boolean>;
  /** Writes the app's code schedules and deletes code schedules it no longer has; returns the names deleted. */
  scheduleSyncCode(definitions: ScheduleDefinition[]): Promise<string[]>;
  /**
   * Sends one tick's job and records the tick in one transaction. Returns the
   * job id, or null when the tick had already been sent.
   */
  beatFire(schedule: string, fireAt: Date, encodedMessage: string, timing: InsertOptions): Promise<string | null>;
  /** Moves a schedule past skipped ticks up to `upTo`. */
  beatSkip(schedule: string, upTo: Date): Promise<void>;
  /** Forgets sent ticks older than a day. */
  beatTickClean(): Promise<number>;
  /** True when this transport leads beat, taking the lead if it is free (on a connection of its own). */
  beatLeaderTry(): Promise<boolean>;
  /** Gives up beat leadership and closes its connection. */
  beatLeaderRelease(): Promise<void>;
  /** The database server's version, for reports. */
  serverVersion(): Promise<string>;
  /** Deletes everything tq stored: all jobs, results and workers of this app's schema. */
  uninstall(): Promise<void>;
  close(): Promise<void>;
}
