/**
 * Where handlers run. `async` (the default) runs them as promises in the
 * worker's own event loop; `threads` and `process` run each in a thread or
 * child process of its own that can be stopped, which is what a hard time
 * limit on a CPU-bound or stuck handler needs.
 */
import type { Message } from "../../message.ts";
import type { HandlerResult, InvokeHooks } from "../invoke.ts";

/**
 * Where handlers run: "async" (the default: promises in the worker's event
 * loop), or "threads" and "process" (each in a thread or child process that
 * can be stopped, as a hard time limit on a busy handler needs).
 */
export type PoolKind = "async" | "threads" | "process";

export const POOL_KINDS: readonly PoolKind[] = ["async", "threads", "process"];

/** One job's handler to run. */
export interface Invocation {
  jobId: string;
  attempt: number;
  message: Message;
  /** The run's span (core/tracing.ts), for a handler that runs in another process or thread: what it sends continues the trace. */
  traceparent?: string;
}

export interface HandlerPool {
  readonly kind: PoolKind;
  /** Starts what the pool needs (threads, child processes). */
  start(): Promise<void>;
  /** Runs the handler; aborting `hooks.signal` asks it to stop (the handler decides). */
  run(invocation: Invocation, hooks: InvokeHooks): Promise<HandlerResult>;
  /**
   * Stops a running handler at once, for a hard time limit or a terminate.
   * Returns false when this pool cannot (async: a promise cannot be stopped).
   */
  kill(jobId: string): boolean;
  /** Stops every thread or child process. */
  close(): Promise<void>;
}
