/**
 * What a running handler can know and do. Handlers receive it as `this`
 * (`function (this: TaskContext, ...)`), and arrow functions reach the same
 * object through `currentTask()`.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { Duration } from "./duration.ts";
import { TqError } from "./errors.ts";
import type { Message } from "./message.ts";

/** Options of `ctx.retry()`. */
export interface RetryOptions {
  /** Delay before the next attempt; the task's retry delay when omitted. */
  countdown?: Duration;
  /** The error to record if no retries are left. */
  error?: unknown;
}

/** What a running handler can know and do: its `this`, or `currentTask()` from an arrow function. */
export interface TaskContext {
  /** The task id, also its result id. */
  readonly id: string;
  /** The task's registered name. */
  readonly name: string;
  /** How many times it was retried before this run. */
  readonly retries: number;
  /** How many retries it is allowed: the call's own, else the task's, else the default 3. */
  readonly maxRetries: number;
  /** How many times a worker claimed it, this run included. */
  readonly attempt: number;
  /** The queue it was sent to. */
  readonly queue: string;
  /** Id of the first task of the workflow this one belongs to (its own id if none). */
  readonly rootId: string;
  /** Id of the task that sent this one, if any. */
  readonly parentId?: string;
  /** Fires when the task must stop: revoked with terminate, a time limit, or the worker giving up on it. */
  readonly signal: AbortSignal;
  /** The message as received. */
  readonly message: Message;
  /** Asks for another attempt later; throw what it returns: `throw this.retry()`. */
  retry(options?: RetryOptions): RetryRequested;
  /**
   * Stores custom progress (Celery's update_state): any JSON value, readable
   * with `AsyncResult.info()` while the task runs and after it ends.
   */
  progress(meta: unknown): Promise<void>;
}

/**
 * Thrown (via `ctx.retry()`) to end this attempt and run the task again
 * later. Not a failure unless the task is out of retries.
 */
export class RetryRequested extends TqError {
  /** "Retry", as in Celery. */
  override name = "Retry";
  /** Stable code for this error: "RETRY_REQUESTED". */
  override readonly code: string = "RETRY_REQUESTED";
  /** Delay before the next attempt; the task's retry delay when undefined. */
  readonly countdown?: Duration;
  /** The error to record if no retries are left. */
  readonly error?: unknown;

  /** Use `ctx.retry(options)`, which makes one. */
  constructor(options: RetryOptions = {}) {
    super(options.error instanceof Error ? `Retry requested: ${options.error.message}` : "Retry requested");
    this.countdown = options.countdown;
    this.error = options.error;
  }
}

const storage = new AsyncLocalStorage<TaskContext>();

/** Runs `fn` with `context` as the current task. */
export function runWithContext<T>(context: TaskContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** The context of the task running in the current async flow; throws outside a task. */
export function currentTask(): TaskContext {
  const context = storage.getStore();
  if (!context) throw new TqError("currentTask() was called outside a running task.");
  return context;
}
