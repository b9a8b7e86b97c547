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
}

/** A failed job going back to its queue for another try. */
export interface RetryRequest extends JobToken {
  delayMs: number;
  /** The message with its retry count raised. */
  message: Message;
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
}

/** Stops a subscription. */
export type Unsubscribe = () => Promise<void>;

export interface Transport {
  /** Applies pending migrations (idempotent, safe when run concurrently). */
  migrate(): Promise<number>;
  /** Stores messages, each already encoded as JSON, in one statement and wakes their queues. */
  jobInsertMany(encodedMessages: string[], options?: InsertOptions): Promise<void>;
  /** Claims up to `limit` ready jobs, highest priority first, FIFO within a priority. */
  jobClaim(params: { queues: string[]; limit: number; workerId: string; leaseMs: number }): Promise<ClaimedJob[]>;
  /** Finishes jobs and stores their results; returns how many still held their token. */
  jobCompleteMany(completions: Completion[], resultTtlMs: number): Promise<number>;
  /** Requeues failed jobs with a delay. */
  jobRetryMany(retries: RetryRequest[]): Promise<void>;
  /** Gives claimed, unstarted jobs back to the queue. */
  jobReleaseMany(jobs: JobToken[], workerId: string): Promise<void>;
  /** Requeues or fails jobs whose lease expired. */
  jobRescueExpired(resultTtlMs: number): Promise<{ requeued: number; failed: number }>;
  /** Milliseconds until the earliest queued job is ready; null when none is queued. */
  jobNextReadyIn(queues: string[]): Promise<number | null>;
  /** Queued and running jobs per queue. */
  jobCountByQueue(): Promise<QueueCount[]>;
  /** Registers or refreshes a worker and extends its jobs' leases. */
  workerHeartbeat(worker: WorkerInfo, leaseMs: number): Promise<void>;
  workerRemove(workerId: string): Promise<void>;
  /** Registered workers; `alive` when the last heartbeat is younger than `staleMs`. */
  workerList(staleMs: number): Promise<WorkerRecord[]>;
  resultGetMany(ids: string[]): Promise<ResultRecord[]>;
  resultForget(id: string): Promise<void>;
  /** Deletes expired results; returns how many. */
  resultCleanExpired(): Promise<number>;
  /** Calls `onWake` when jobs may be ready in a queue. */
  subscribeJobs(onWake: (queue: string) => void): Promise<Unsubscribe>;
  /** Calls `onFinished` with the ids of tasks that finished. */
  subscribeResults(onFinished: (ids: string[]) => void): Promise<Unsubscribe>;
  /** The database server's version, for reports. */
  serverVersion(): Promise<string>;
  /** Deletes everything tq stored: all jobs, results and workers of this app's schema. */
  uninstall(): Promise<void>;
  close(): Promise<void>;
}
