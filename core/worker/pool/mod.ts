/** Picks the handler pool for a worker. */
import { ConfigError } from "../../errors.ts";
import type { Logger } from "../../logger.ts";
import type { Registry } from "../../registry.ts";
import { threadsUnavailable } from "../../runtime.ts";
import type { Task } from "../../task.ts";
import { AsyncPool } from "./async_pool.ts";
import { type HandlerPool, POOL_KINDS, type PoolKind } from "./pool.ts";
import { createProcessPool } from "./process_pool.ts";
import { createThreadPool } from "./thread_pool.ts";

export interface PoolOptions {
  // deno-lint-ignore no-explicit-any
  registry: Registry<Task<any, any>>;
  /** Handlers running at once: threads or child processes to keep. */
  concurrency: number;
  /** The module exporting the app, loaded by each thread or child process. */
  appModule?: string;
  logger: Logger;
  /**
   * How to start a process-pool child, as [executable, script, ...args] for
   * node:child_process fork. Default: this runtime on the pool's child script,
   * or a compiled binary re-running itself with its hidden subcommand.
   */
  childCommand?: string[];
}

/** The pool of `kind`; threads become processes where a busy thread cannot be stopped. */
export function createPool(kind: PoolKind, options: PoolOptions): HandlerPool {
  if (!POOL_KINDS.includes(kind)) {
    throw new ConfigError(`Worker option "pool" must be one of ${POOL_KINDS.join(", ")}, got ${JSON.stringify(kind)}.`);
  }
  if (kind === "async") return new AsyncPool(options.registry);
  const { appModule, concurrency, logger, childCommand } = options;
  if (!appModule) {
    throw new ConfigError(`Worker option "appModule" is required for the "${kind}" pool: the path of the module that exports the app, which each ${kind === "threads" ? "thread" : "child process"} loads.`);
  }
  if (kind === "threads") {
    const why = threadsUnavailable();
    if (!why) return createThreadPool({ concurrency, appModule, logger });
    // Once per worker, at creation: the worker asked for threads and gets processes.
    logger.log("warn", `The threads pool runs child processes here: ${why}, and a hard time limit must be able to stop a handler`);
  }
  return createProcessPool({ concurrency, appModule, logger, childCommand });
}
