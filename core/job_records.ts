/**
 * The claimed job's life as the transport sees it: what a claim asks for
 * and brings back, and what a worker writes when a job goes back, retries
 * or ends. Part of the transport's contract (core/transport.ts re-exports it).
 */
import type { Launch } from "./canvas/launch.ts";
import type { ErrorInfo } from "./errors.ts";
import type { Message } from "./message.ts";

/** What a worker claims with. */
export interface ClaimParams {
  queues: string[];
  limit: number;
  workerId: string;
  leaseMs: number;
  /** Only jobs of these tasks are claimed (a worker never takes a task it lacks). */
  tasks: string[];
  /** Each task's declared attempts (maxRetries + 1), for messages that set none. */
  maxAttempts: Record<string, number>;
  /** How many of the claimed jobs start at once (marked started by the claim). */
  startNow: number;
  /** Tasks that acknowledge early (acksLate: false): claimed as at-most-once. */
  earlyAckTasks?: string[];
  /** Cluster-wide concurrency limits this worker's code declares, by task and by queue (docs/flow_control.md). */
  limits?: ConcurrencyLimits;
  /** Per queue, the group the worker's last claim ended on: this claim's turns start after it. */
  groupCursor?: Record<string, string>;
}

/** What a claim took, and where the next one starts among each queue's groups. */
export interface Claim {
  /** The claimed jobs, in claim order. */
  jobs: ClaimedJob[];
  /** Per queue with groups, the group to start after next time (ClaimParams.groupCursor). */
  groupCursor: Record<string, string>;
}

/** Cluster-wide concurrency limits: at most `cap` jobs running anywhere, per task and per queue. */
export interface ConcurrencyLimits {
  /** Most jobs of each task held at once, by task name. */
  task: Record<string, number>;
  /** Most jobs of each queue held at once, by queue name. */
  queue: Record<string, number>;
  /** Most jobs of each task held at once per group (TaskOptions.groupConcurrency); absent in older workers' records. */
  taskPerGroup?: Record<string, number>;
  /** Most jobs of each queue held at once per group (option queueGroupConcurrency); absent in older workers' records. */
  queuePerGroup?: Record<string, number>;
}

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
  /** Claims of this job that were not charged as attempts (handed back, or never started). */
  uncharged: number;
  /** Attempts it may be charged: its message's maxRetries + 1, or the task's declared one. */
  maxAttempts: number;
  /** Marked started by the claim; otherwise it must be marked (jobStartMany) before it runs. */
  started: boolean;
  /** Its last attempt was lost with its worker: it may be what killed it. */
  suspect: boolean;
  /**
   * Set by the worker's signature check: why its message must not run
   * (docs/security.md); `drop` when it is a copy of one that already ran.
   */
  rejection?: { error: ErrorInfo; drop: boolean };
  /** Set by the worker's signature check when it holds: until when its completion keeps its id as run. */
  sealUntil?: string;
  /** How long it waited once due before this claim (ms, database clock): the pickup latency of tq's metrics. */
  waitedMs?: number;
}

/** Why a claimed job goes back to its queue uncharged. */
export interface JobRelease extends JobToken {
  /** Set for a job whose handler ran: recorded in its interruptions. Unset: it never started. */
  reason?: "shutdown";
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
  /**
   * The job is a replay of a signed message that already ran: it is only
   * removed. The stored result, and the workflow it is in, are the first
   * run's and stay as they are.
   */
  drop?: true;
  /** A verified signed job: its id is kept as run until then, so a copy is refused (signed_runs). */
  sealUntil?: string;
  /** What a workflow starts next (the chain's next step, callbacks), only if this completion counts. */
  launch?: Launch;
}

/** A failed job going back to its queue for another try. */
export interface RetryRequest extends JobToken {
  delayMs: number;
  /** The message with its retry count raised. */
  message: Message;
  /** The error of the attempt that failed, for the attempt history. */
  error: ErrorInfo;
}
