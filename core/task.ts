/**
 * A registered task: its name, options and handler, and the typed ways to
 * send it. Argument and result types flow from the handler to `delay()`,
 * `applyAsync()` and `AsyncResult.get()`.
 */
import { ajv, describeErrors } from "./_ajv.ts";
import { rejectUnknownTaskOptions } from "./known_options.ts";
import { type Arity, handlerArity } from "./arity.ts";
import type { BackoffKind } from "./backoff.ts";
import type { TaskContext } from "./context.ts";
import { DEFAULT_MAX_RETRIES, QUEUE_NAME } from "./defaults.ts";
import { type Duration, parseDuration } from "./duration.ts";
import { ConfigError, type ErrorInfo, InvalidArguments } from "./errors.ts";
import { parseRate, type Rate } from "./rate.ts";
import { checkRedaction } from "./redact.ts";
import type { AsyncResult } from "./result.ts";
import { type CanvasStarter, Signature } from "./canvas/canvas.ts";
import { ChunksResult, type GroupResult } from "./canvas/results.ts";
import type { CanvasData } from "./canvas/data.ts";
import type { Message } from "./message.ts";

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
  /** How often it may be retried (`ctx.retry()`, `autoRetryFor`); a job lost with its worker is tried this many times more too. Default 3. */
  maxRetries?: number;
  /** First (or fixed) delay before a retry when `ctx.retry()` names none. Default 1 s. */
  retryDelay?: Duration;
  /** "exponential" (default: retryDelay × 2^retries, capped by retryBackoffMax) or "fixed". */
  retryBackoff?: BackoffKind;
  /** Longest exponential delay. Default 10 minutes. */
  retryBackoffMax?: Duration;
  /** Spread each delay randomly over [delay/2, delay] so failures together do not retry together. Default true. */
  retryJitter?: boolean;
  /** Errors that retry the task by themselves: error classes, or a predicate on what was thrown. */
  // deno-lint-ignore no-explicit-any
  autoRetryFor?: (abstract new (...args: any[]) => unknown)[] | ((error: unknown) => boolean);
  /** Soft limit: the signal aborts with SoftTimeLimitExceeded. Hard limit: the job fails with TimeLimitExceeded and its slot is freed. */
  timeLimit?: { soft?: Duration; hard?: Duration };
  /** Most starts per worker, as "100/s", "10/m" or "1000/h" (Celery's rate_limit). */
  rateLimit?: Rate;
  /** Most starts across all workers together, enforced through the database. */
  clusterRateLimit?: Rate;
  /**
   * Most jobs of this task running at once across all workers together,
   * enforced in the claim (docs/flow_control.md). Jobs over it stay queued
   * without holding back other tasks; a place is freed however its job ends.
   */
  concurrencyLimit?: number;
  /**
   * Most jobs of this task running at once per group (the send option
   * `group`), across all workers together (docs/flow_control.md). Jobs of a
   * full group stay queued; other groups' jobs go on.
   */
  groupConcurrency?: number;
  /**
   * Unique jobs: while a job with the same key is queued or running (and at
   * least `window` after it was sent), sending again returns that job's
   * handle. `true` derives the key from the task name and arguments.
   */
  unique?: boolean | { window?: Duration };
  /** Acknowledge after the handler ends (at-least-once, default) rather than before (at-most-once). */
  acksLate?: boolean;
  /** Store no result when it succeeds (failures are still kept): for fire-and-forget tasks, one write less per job. */
  ignoreResult?: boolean;
  /** JSON Schema of the argument array, checked on send and before the handler runs. */
  argsSchema?: Record<string, unknown>;
  /**
   * Arguments tq never shows: in `tq inspect`, events, logs and stored
   * failures they appear as "[redacted]" (positions in the argument list,
   * names of keyword arguments), or as what the function returns. The
   * handler still receives the real values. See docs/security.md.
   */
  redact?: Redaction;
  /** Called once in the worker when the task fails for good (out of retries, or an error not retried). */
  onFailure?: (error: ErrorInfo, task: FailedTask) => void | Promise<void>;
}

/** Which arguments of a task tq hides wherever it shows them (TaskOptions.redact). */
export type Redaction =
  | { args?: number[]; kwargs?: string[] }
  | ((args: unknown[], kwargs: Record<string, unknown>) => { args: unknown[]; kwargs?: Record<string, unknown> });

/** What `onFailure` learns about the task that failed. */
export interface FailedTask {
  /** The job id, also its result id. */
  id: string;
  /** The task's registered name. */
  name: string;
  /** The arguments it was called with (the real values, not redacted). */
  args: unknown[];
  /** The keyword arguments it was called with; empty when none. */
  kwargs: Record<string, unknown>;
  /** How many times it was retried before it failed for good. */
  retries: number;
}

/** A task to send when another one fails for good; it gets `[...args, { id, task, error }]`. */
export interface Errback {
  /** The name of the task to send. */
  task: string;
  /** Its own arguments, before the failure's { id, task, error }; none by default. */
  args?: unknown[];
  /** Queue to send it to; the failed job's queue by default. */
  queue?: string;
  /** Only its own args: without the failure's { id, task, error } added. */
  immutable?: boolean;
}

/** Options of one call. */
export interface SendOptions {
  /** Use this id instead of a new one. */
  id?: string;
  /** Queue to send to, instead of the task's (or the app's default). */
  queue?: string;
  /** 0..9, 9 first; the task's priority by default. */
  priority?: number;
  /** Not before this many ms (or a duration string) from now. */
  countdown?: Duration;
  /** Not before this time. */
  eta?: Date | string;
  /** Not run after this time (a date) or this long from now (a duration). */
  expires?: Date | string | number;
  /** Retries allowed for this call, instead of what the task declares on the worker. */
  maxRetries?: number;
  /** Overrides the task's time limits for this call. */
  timeLimit?: { soft?: Duration; hard?: Duration };
  /** Makes this call unique under this key (see TaskOptions.unique). */
  uniqueKey?: string;
  /** How long the unique key stays taken at least, from sending. */
  uniqueWindow?: Duration;
  /**
   * Throttle (docs/flow_control.md): the first send under `key` makes a job;
   * every later send under it within `per` of that one returns the same job
   * and sends nothing, even after the job finished. Race-free across senders.
   */
  throttle?: { key: string; per: Duration };
  /**
   * Debounce (docs/flow_control.md): the job runs `delay` after the last send
   * under `key`, once, with that last send's arguments. Each send while the
   * job still waits gives it its arguments and moves its run time; a send
   * after it started makes a new one. Every send returns the waiting job.
   */
  debounce?: { key: string; delay: Duration };
  /**
   * The group it belongs to, such as a tenant or a user
   * (docs/flow_control.md): a queue's groups take turns, so one with many
   * jobs queued does not starve one with a few, and `groupConcurrency` caps
   * how many of a group's jobs run at once. Priorities order jobs within a
   * group. 1-200 characters.
   */
  group?: string;
  /** Tasks to send if this one fails for good (Celery's link_error). */
  errback?: string | Errback | (string | Errback)[];
  /** Signatures (or any canvas) sent with this task's result when it succeeds, once each (Celery's link). */
  link?: CanvasLike | CanvasLike[];
  /** Task signatures sent once if this task fails for good, with [...their args, { id, task, error }] unless immutable (Celery's link_error). */
  linkError?: CanvasLike | CanvasLike[];
  /** Keyword arguments: given to the handler as one more argument, after the others, when not empty. */
  kwargs?: Record<string, unknown>;
  /** Id of the task that sends this one (the handler's `this.parentId`). */
  parentId?: string;
  /** Id of the first task of the workflow this one belongs to; the job's own id by default. */
  rootId?: string;
  /** A postgres.js transaction of yours: the job exists exactly when it commits. */
  sql?: unknown;
}

/** A signature, chain, group or chord, or its data: what `link` and `linkError` take. */
export type CanvasLike = { toJSON(): CanvasData } | CanvasData;

/** What a Task needs from its app to send itself (and start the workflows built from it). */
export interface TaskSender extends CanvasStarter {
  /** Sends one call of task `name`. */
  sendTask<R>(name: string, args: unknown[], options?: SendOptions): Promise<AsyncResult<R>>;
  /** Sends one job of task `name` per argument list, in one statement. */
  sendMany<R>(name: string, argsList: unknown[][], options?: SendOptions): Promise<AsyncResult<R>[]>;
}


/** Checks registration options; throws ConfigError naming the bad one. */
export function validateTaskOptions(options: TaskOptions): void {
  if (typeof options !== "object" || options === null) throw new ConfigError(`Task options must be an object or a name, got ${JSON.stringify(options)}.`);
  rejectUnknownTaskOptions(options);
  const { name, queue, priority, maxRetries, retryBackoff, autoRetryFor, timeLimit } = options;
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
  for (const key of ["retryDelay", "retryBackoffMax"] as const) {
    if (options[key] !== undefined && parseDuration(options[key]!) === undefined) {
      throw new ConfigError(`Task "${name}": option "${key}" must be a duration such as 500 or "5s", got ${JSON.stringify(options[key])}.`);
    }
  }
  if (retryBackoff !== undefined && retryBackoff !== "fixed" && retryBackoff !== "exponential") {
    throw new ConfigError(`Task "${name}": option "retryBackoff" must be "fixed" or "exponential", got ${JSON.stringify(retryBackoff)}.`);
  }
  if (autoRetryFor !== undefined && typeof autoRetryFor !== "function" && !(Array.isArray(autoRetryFor) && autoRetryFor.every((c) => typeof c === "function"))) {
    throw new ConfigError(`Task "${name}": option "autoRetryFor" must be a list of error classes or a predicate function.`);
  }
  if (timeLimit !== undefined) timeLimitMs(timeLimit, `Task "${name}": option "timeLimit"`);
  if (options.rateLimit !== undefined) parseRate(options.rateLimit, `rateLimit" of task "${name}`);
  if (options.clusterRateLimit !== undefined) parseRate(options.clusterRateLimit, `clusterRateLimit" of task "${name}`);
  for (const key of ["concurrencyLimit", "groupConcurrency"] as const) {
    const cap = options[key];
    if (cap !== undefined && !(Number.isInteger(cap) && cap >= 1)) {
      throw new ConfigError(`Task "${name}": option "${key}" must be a whole number of at least 1, got ${JSON.stringify(cap)}.`);
    }
  }
  checkRedaction(name, options.redact);
}

/** Retries allowed for one call: the sender's choice for it, else the task's declaration, else the default. */
export function maxRetriesOf(message: Pick<Message, "maxRetries">, options: Pick<TaskOptions, "maxRetries">): number {
  return message.maxRetries ?? options.maxRetries ?? DEFAULT_MAX_RETRIES;
}

/** [soft, hard] in ms (null for none) from duration options; throws ConfigError naming `where`. */
export function timeLimitMs(limit: { soft?: Duration; hard?: Duration }, where: string): [number | null, number | null] {
  const toMs = (value: Duration | undefined, part: string) => {
    if (value === undefined) return null;
    const ms = parseDuration(value);
    if (ms === undefined || ms <= 0) throw new ConfigError(`${where}.${part} must be a positive duration such as 500 or "30s", got ${JSON.stringify(value)}.`);
    return ms;
  };
  const soft = toMs(limit.soft, "soft");
  const hard = toMs(limit.hard, "hard");
  if (soft !== null && hard !== null && soft >= hard) throw new ConfigError(`${where}: soft (${soft} ms) must be shorter than hard (${hard} ms).`);
  return [soft, hard];
}

/** The first parameter of a handler: what a step gets from the step before (`Task.s`, `Task.map`). */
// deno-lint-ignore no-explicit-any
export type Head<A extends any[]> = A extends [infer H, ...unknown[]] ? H : never;
/** The parameters of a handler after the first: what a step's signature is given in code (`Task.s`). */
// deno-lint-ignore no-explicit-any
export type Tail<A extends any[]> = A extends [unknown, ...infer T] ? T : never;

/** The names of the built-in tasks that run map and starmap signatures (core/canvas/builtins.ts). */
export const MAP_TASK = "tq.map";
export const STARMAP_TASK = "tq.starmap";

/**
 * A task registered with `app.task()`: typed by its handler's arguments `A`
 * and result `R`, which reach `delay()`, its signatures and `get()`.
 */
// deno-lint-ignore no-explicit-any
export class Task<A extends any[] = any[], R = unknown> {
  /** Its unique name; messages carry only this. */
  readonly name: string;
  /** The options it was registered with (frozen). */
  readonly options: Readonly<TaskOptions>;
  /** The function a worker runs for each job. */
  readonly handler: TaskHandler<A, R>;
  /** [soft, hard] time limits in ms from the options (null for none); a call's own limits replace them. */
  readonly timeLimitMs: [number | null, number | null];
  readonly #sender: TaskSender;
  readonly #checkArgs?: (args: unknown[]) => void;
  /** The fewest and most arguments the handler takes (kwargs, when given, come as one more). */
  readonly arity: Arity;

  /** Made by `app.task()`, which also registers it; throws ConfigError naming a bad option. */
  constructor(sender: TaskSender, options: TaskOptions, handler: TaskHandler<A, R>) {
    validateTaskOptions(options);
    if (typeof handler !== "function") throw new ConfigError(`Task "${options.name}": the handler must be a function.`);
    this.name = options.name;
    this.options = Object.freeze({ ...options });
    this.handler = handler;
    this.timeLimitMs = options.timeLimit ? timeLimitMs(options.timeLimit, `Task "${options.name}": option "timeLimit"`) : [null, null];
    this.#sender = sender;
    this.arity = handlerArity(handler);
    if (options.argsSchema) {
      const validate = ajv.compile(options.argsSchema);
      this.#checkArgs = (args) => {
        if (!validate(args)) throw new InvalidArguments(`Arguments of task "${this.name}" do not match its argsSchema: ${describeErrors(validate.errors)}.`);
      };
    }
  }

  /**
   * Throws InvalidArguments when `args` (and `kwargs`, passed to the handler
   * as one more argument when not empty) are too few or too many for the
   * handler, or do not match the task's argsSchema.
   */
  checkArgs(args: unknown[], kwargs?: Record<string, unknown>): void {
    const given = args.length + (kwargs && Object.keys(kwargs).length ? 1 : 0);
    const { min, max } = this.arity;
    if (given < min || (max !== undefined && given > max)) {
      const takes = max === undefined ? `at least ${min}` : min === max ? `${min}` : `${min} to ${max}`;
      const counted = given === args.length ? "" : " (keyword arguments count as one more)";
      throw new InvalidArguments(
        `Task "${this.name}" takes ${takes} argument${takes === "1" ? "" : "s"}, got ${given}${counted}.` +
          (given < min ? " An optional parameter needs a default value (b = 0): TypeScript's b?: is not visible at run time." : ""),
      );
    }
    this.#checkArgs?.(args);
  }

  /** Sends the task with these arguments. */
  delay(...args: A): Promise<AsyncResult<Awaited<R>>> {
    return this.applyAsync(args);
  }

  /** Sends the task with call options (queue, priority, countdown, transaction...). */
  applyAsync(args: A, options: SendOptions = {}): Promise<AsyncResult<Awaited<R>>> {
    // The app checks the arguments against this task when it sends.
    return this.#sender.sendTask<Awaited<R>>(this.name, args, options);
  }

  /**
   * A signature (Celery's `s`): with every argument, it starts on its own;
   * with all but the first, it is a step that gets the step before's result
   * as its first argument.
   */
  s(...args: A): Signature<void, Awaited<R>>;
  /** A signature with all but the first argument: a step that gets the step before's result as its first. */
  s(...args: Tail<A>): Signature<Head<A>, Awaited<R>>;
  s(...args: unknown[]): Signature<unknown, Awaited<R>> {
    return new Signature(this.#sender, { kind: "task", task: this.name, args });
  }

  /** An immutable signature (Celery's `si`): it never gets the step before's result. */
  si(...args: A): Signature<unknown, Awaited<R>> {
    return new Signature(this.#sender, { kind: "task", task: this.name, args, immutable: true });
  }

  /** One job that calls the task for each item (its one argument), in order; the result is the list of results. */
  map(items: Head<A>[]): Signature<void, Awaited<R>[]> {
    return new Signature(this.#sender, { kind: "task", task: MAP_TASK, args: [this.name, items] });
  }

  /** One job that calls the task with each argument list, in order. */
  starmap(argsList: A[]): Signature<void, Awaited<R>[]> {
    return new Signature(this.#sender, { kind: "task", task: STARMAP_TASK, args: [this.name, argsList] });
  }

  /** One job per `size` argument lists (a group of starmaps); `delay()` gives a handle whose `get()` flattens the results back. */
  chunks(argsList: A[], size: number): { delay(): Promise<ChunksResult<Awaited<R>>>; toJSON(): unknown } {
    if (!Number.isInteger(size) || size < 1) throw new ConfigError(`Task "${this.name}": chunks() needs a chunk size of 1 or more, got ${JSON.stringify(size)}.`);
    const members = [];
    for (let i = 0; i < argsList.length; i += size) members.push({ kind: "task" as const, task: STARMAP_TASK, args: [this.name, argsList.slice(i, i + size)] });
    const data = { kind: "group" as const, members };
    return {
      delay: async () => new ChunksResult<Awaited<R>>(await this.#sender.startCanvas(data) as GroupResult<Awaited<R>[][]>),
      toJSON: () => data,
    };
  }

  /** Sends one job per argument list in a single statement. */
  delayMany(argsList: A[], options: SendOptions = {}): Promise<AsyncResult<Awaited<R>>[]> {
    return this.#sender.sendMany<Awaited<R>>(this.name, argsList, options);
  }
}
