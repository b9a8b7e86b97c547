/**
 * Refuses option names nobody declared. TypeScript catches a typo such as
 * `concurrencyLimt` at compile time; JavaScript, and an object built at run
 * time, would otherwise have it ignored without a word. Each list is typed
 * as a record of the interface's keys, so a new option cannot be left out.
 */
import { ConfigError } from "./errors.ts";
import type { GetOptions } from "./result.ts";
import { closeNames } from "./close_names.ts";
import type { SendOptions, TaskOptions } from "./task.ts";
import type { WorkerOptions } from "./worker/worker.ts";

/** Every key of `T`, listed once: the compiler fails when an option is added to `T` but not here. */
type AllKeys<T> = Record<keyof Required<T>, true>;

const TASK_OPTIONS: AllKeys<TaskOptions> = {
  name: true, queue: true, priority: true, maxRetries: true, retryDelay: true, retryBackoff: true, retryBackoffMax: true,
  retryJitter: true, autoRetryFor: true, timeLimit: true, rateLimit: true, clusterRateLimit: true, concurrencyLimit: true, groupConcurrency: true, unique: true,
  acksLate: true, ignoreResult: true, argsSchema: true, redact: true, onFailure: true,
};

const SEND_OPTIONS: AllKeys<SendOptions> = {
  id: true, queue: true, priority: true, countdown: true, eta: true, expires: true, maxRetries: true, timeLimit: true,
  uniqueKey: true, uniqueWindow: true, throttle: true, debounce: true, group: true, errback: true, link: true, linkError: true, kwargs: true, parentId: true, rootId: true, sql: true,
};

const GET_OPTIONS: AllKeys<GetOptions> = { timeout: true };

const WORKER_OPTIONS: AllKeys<WorkerOptions> = {
  queues: true, concurrency: true, prefetch: true, pool: true, appModule: true, logger: true, events: true, onShutdownRequest: true, telemetry: true,
};

/** Throws ConfigError for the first key of `options` not in `known`, suggesting the closest known one. */
export function rejectUnknownOptions(options: object, known: Record<string, true>, where: string): void {
  for (const key of Object.keys(options)) {
    if (Object.hasOwn(known, key)) continue;
    const [closest] = closeNames(key, Object.keys(known), 1);
    const hint = closest ? `Did you mean "${closest}"?` : `Known options: ${Object.keys(known).join(", ")}.`;
    throw new ConfigError(`${where}: unknown option "${key}". ${hint}`);
  }
}

export function rejectUnknownTaskOptions(options: TaskOptions): void {
  rejectUnknownOptions(options, TASK_OPTIONS, `Task "${options.name}"`);
}

export function rejectUnknownSendOptions(options: SendOptions, task: string): void {
  rejectUnknownOptions(options, SEND_OPTIONS, `Sending task "${task}"`);
}

export function rejectUnknownGetOptions(options: GetOptions): void {
  rejectUnknownOptions(options, GET_OPTIONS, "get()");
}

export function rejectUnknownWorkerOptions(options: WorkerOptions): void {
  rejectUnknownOptions(options, WORKER_OPTIONS, "Worker");
}
