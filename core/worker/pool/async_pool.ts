/**
 * The default pool: handlers run as promises in the worker's event loop, as
 * many at once as the concurrency allows. Cheap and fast for I/O-bound work.
 * It cannot stop a handler: a hard time limit or a terminate fails the job and
 * frees its slot, but a handler that ignores its signal keeps running.
 */
import type { Registry } from "../../registry.ts";
import type { Task } from "../../task.ts";
import { type HandlerResult, invokeHandler, type InvokeHooks } from "../invoke.ts";
import type { HandlerPool, Invocation } from "./pool.ts";

export class AsyncPool implements HandlerPool {
  readonly kind = "async";
  // deno-lint-ignore no-explicit-any
  readonly #registry: Registry<Task<any, any>>;

  // deno-lint-ignore no-explicit-any
  constructor(registry: Registry<Task<any, any>>) {
    this.#registry = registry;
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  run(invocation: Invocation, hooks: InvokeHooks): Promise<HandlerResult> {
    // The worker found the task before calling; it is in this registry.
    const task = this.#registry.get(invocation.message.task)!;
    return invokeHandler(task, invocation.message, invocation.attempt, hooks);
  }

  kill(): boolean {
    return false;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
