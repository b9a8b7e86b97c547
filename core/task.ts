/**
 * A registered task: its name, options and handler, and the typed ways to
 * send it. Argument and result types flow from the handler to `delay()`,
 * `applyAsync()` and `AsyncResult.get()`.
 */
import { ajv, describeErrors } from "./_ajv.ts";
import type { TaskContext } from "./context.ts";
import type { Duration } from "./duration.ts";
import { ConfigError, InvalidArguments } from "./errors.ts";
import type { AsyncResult } from "./result.ts";

/** A handler: any function of JSON arguments; `this` is the task context. */
// deno-lint-ignore no-explicit-any
export type TaskHandler<A extends any[] = any[], R = unknown> = (this: TaskContext, ...args: A) => R | Promise<R>;

/** Options fixed when a task is registered. */
export interface TaskOptions {
  /** Unique name; messages carry only this. */
  name: string;
  /** Queue the task is sent to unless a call says otherwise. */
  queue?: string;
  /** 0..9, 9 first. */
  priority?: number;
  /** How often `ctx.retry()` may retry it; a job lost with its worker is tried this many times more too. */
  maxRetries?: number;
  /** Delay before a retry when `ctx.retry()` names none. */
  retryDelay?: Duration;
  /** Acknowledge after the handler ends (at-least-once, default) rather than before (at-most-once). */
  acksLate?: boolean;
  /** JSON Schema of the argument array, checked on send and before the handler runs. */
  argsSchema?: Record<string, unknown>;
}

/** Options of one call. */
export interface SendOptions {
  /** Use this id instead of a new one. */
  id?: string;
  queue?: string;
  priority?: number;
  /** Not before this many ms (or a duration string) from now. */
  countdown?: Duration;
  /** Not before this time. */
  eta?: Date | string;
  /** Not run after this time (a date) or this long from now (a duration). */
  expires?: Date | string | number;
  maxRetries?: number;
  kwargs?: Record<string, unknown>;
  parentId?: string;
  rootId?: string;
  /** A postgres.js transaction of yours: the job exists exactly when it commits. */
  sql?: unknown;
}

/** What a Task needs from its app to send itself. */
export interface TaskSender {
  sendTask<R>(name: string, args: unknown[], options?: SendOptions): Promise<AsyncResult<R>>;
  sendMany<R>(name: string, argsList: unknown[][], options?: SendOptions): Promise<AsyncResult<R>[]>;
}

const QUEUE_NAME = /^[A-Za-z0-9_.:-]{1,100}$/;

/** Checks registration options; throws ConfigError naming the bad one. */
export function validateTaskOptions(options: TaskOptions): void {
  const { name, queue, priority, maxRetries } = options;
  if (typeof name !== "string" || name.length === 0 || name.length > 200) {
    throw new ConfigError(`Task option "name" must be a non-empty string of at most 200 characters, got ${JSON.stringify(name)}.`);
  }
  if (queue !== undefined && !QUEUE_NAME.test(queue)) {
    throw new ConfigError(`Task "${name}": option "queue" must be 1-100 letters, digits or _.:-, got ${JSON.stringify(queue)}.`);
  }
  if (priority !== undefined && !(Number.isInteger(priority) && priority >= 0 && priority <= 9)) {
    throw new ConfigError(`Task "${name}": option "priority" must be an integer 0..9, got ${JSON.stringify(priority)}.`);
  }
  if (maxRetries !== undefined && !(Number.isInteger(maxRetries) && maxRetries >= 0)) {
    throw new ConfigError(`Task "${name}": option "maxRetries" must be a non-negative integer, got ${JSON.stringify(maxRetries)}.`);
  }
}

// deno-lint-ignore no-explicit-any
export class Task<A extends any[] = any[], R = unknown> {
  readonly name: string;
  readonly options: Readonly<TaskOptions>;
  readonly handler: TaskHandler<A, R>;
  readonly #sender: TaskSender;
  readonly #checkArgs?: (args: unknown[]) => void;

  constructor(sender: TaskSender, options: TaskOptions, handler: TaskHandler<A, R>) {
    validateTaskOptions(options);
    if (typeof handler !== "function") throw new ConfigError(`Task "${options.name}": the handler must be a function.`);
    this.name = options.name;
    this.options = Object.freeze({ ...options });
    this.handler = handler;
    this.#sender = sender;
    if (options.argsSchema) {
      const validate = ajv.compile(options.argsSchema);
      this.#checkArgs = (args) => {
        if (!validate(args)) throw new InvalidArguments(`Arguments of task "${this.name}" do not match its argsSchema: ${describeErrors(validate.errors)}.`);
      };
    }
  }

  /** Throws InvalidArguments when `args` do not match the task's argsSchema. */
  checkArgs(args: unknown[]): void {
    this.#checkArgs?.(args);
  }

  /** Sends the task with these arguments. */
  delay(...args: A): Promise<AsyncResult<Awaited<R>>> {
    return this.applyAsync(args);
  }

  /** Sends the task with call options (queue, priority, countdown, transaction...). */
  async applyAsync(args: A, options: SendOptions = {}): Promise<AsyncResult<Awaited<R>>> {
    this.checkArgs(args);
    return this.#sender.sendTask<Awaited<R>>(this.name, args, options);
  }

  /** Sends one job per argument list in a single statement. */
  async delayMany(argsList: A[], options: SendOptions = {}): Promise<AsyncResult<Awaited<R>>[]> {
    for (const args of argsList) this.checkArgs(args);
    return this.#sender.sendMany<Awaited<R>>(this.name, argsList, options);
  }
}
