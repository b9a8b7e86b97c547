/**
 * The app: a registry of tasks, its configuration, and lazily, its
 * connection. Constructing one is cheap and connects to nothing; several
 * apps with different config and tasks coexist in one process.
 */
import { loadTracing } from "./tracing.ts";
import type { Backend } from "./backend.ts";
import { LamportClock } from "./clock.ts";
import type { BeatEntry } from "./beat/entry.ts";
import { Schedules } from "./beat/schedules.ts";
import { Control } from "./control.ts";
import { type DiscoverOptions, discoverTasks } from "./discover.ts";
import { type AppOptions, type Config, optionsFromEnv, resolveConfig } from "./config.ts";
import { createLogger, type Logger } from "./logger.ts";
import { EventSender } from "./events.ts";
import { Inspect } from "./inspect.ts";
import { explain, type WhyReport } from "./why.ts";
import { rejectUnknownSendOptions } from "./known_options.ts";
import { encodeMessage } from "./message.ts";
import { shownArgs } from "./redact.ts";
import { Registry } from "./registry.ts";
import { canvasBuiltins } from "./canvas/builtins.ts";
import { CanvasFromData, type SignatureOptions, Signature, stepOptions } from "./canvas/canvas.ts";
import type { CanvasData } from "./canvas/data.ts";
import type { Launch, LaunchContext } from "./canvas/launch.ts";
import { GroupResult } from "./canvas/results.ts";
import { startCanvas } from "./canvas/start.ts";
import { AsyncResult } from "./result.ts";
import { ResultWaiter } from "./result_waiter.ts";
import { env } from "./runtime.ts";
import { buildMessage, insertTiming } from "./sending.ts";
import { MessageSecurity } from "./security/security.ts";
import { type SendOptions, Task, type TaskHandler, type TaskOptions, type TaskSender } from "./task.ts";
import type { Transport } from "./transport.ts";

/** Marks App instances across copies of the library (a user module and a compiled binary). */
const APP_BRAND = Symbol.for("tq.App");

/** True when `value` is a tq App, even one from another copy of the library. */
export function isApp(value: unknown): value is App {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[APP_BRAND] === true;
}

/** Settings read by components rather than by the connection, as in Celery's `app.conf`. */
export interface AppConf {
  /** Periodic tasks sent by beat (`tq beat`, `tq worker -B`): name → entry. */
  beatSchedule: Record<string, BeatEntry>;
}

/**
 * Everything an app does, whatever stores its jobs: the public `App` is this
 * with PostgreSQL. Construct an `App`; this type is exported for its docs.
 */
export class App implements TaskSender {
  /** Marks App instances for `isApp()`, across copies of the library. */
  readonly [APP_BRAND] = true;
  /** `app.conf.beatSchedule = { report: { task: "report", schedule: cron("0 9 * * 1-5") } }`. */
  readonly conf: AppConf = { beatSchedule: {} };
  /** This process's Lamport clock: it orders the events and messages the app sends. */
  readonly clock: LamportClock = new LamportClock();
  /**
   * The tasks registered on this app, by name.
   * @internal
   */
  // deno-lint-ignore no-explicit-any
  readonly registry: Registry<Task<any, any>> = new Registry<Task<any, any>>();
  /** Options given in code (constructor, configFromObject) or forced by configFromEnv. */
  #options: AppOptions;
  /** TQ_* variables, read once on first use: they fill in what the code left out. */
  #envOptions?: AppOptions;
  #config?: Config;
  #logger?: Logger;
  #transport?: Transport;
  #waiter?: ResultWaiter;
  #initHooks: (() => void | Promise<void>)[] = [];
  #initialized?: Promise<void>;
  #control?: Control;
  #schedules?: Schedules;
  #events?: EventSender;
  #inspect?: Inspect;
  #security?: MessageSecurity;

  readonly #backend: Backend;

  /** Celery's `app.GroupResult`: `app.GroupResult.restore(id)` finds a saved group's results from any process. */
  readonly GroupResult = {
    restore: async (id: string): Promise<GroupResult | undefined> => {
      await this.ready();
      const members = await this.transport.groupMembers(id);
      return members && new GroupResult(id, members.map((m) => this.asyncResult(m)));
    },
  };

  /** `backend`: the storage side; the public `App` (mod.ts) passes PostgreSQL's. */
  constructor(options: AppOptions, backend: Backend) {
    // Validate now so a bad option fails where it is written; env is read later, on first use.
    resolveConfig(options);
    this.#options = { ...options };
    this.#backend = backend;
    for (const builtin of canvasBuiltins(this.registry)) this.task(builtin.name, builtin.handler);
  }

  /**
   * The resolved configuration: options from code, then TQ_* variables for
   * what the code left out, then defaults. Reading it is the app's first use.
   */
  get config(): Readonly<Config> {
    if (!this.#config) {
      this.#envOptions ??= optionsFromEnv(env);
      this.#config = resolveConfig(this.#backend.withDefaults({ ...this.#envOptions, ...this.#options }));
    }
    return this.#config;
  }

  /** The app's name (option `name`, "tq" unless set): shown in logs and in the workers table. */
  get name(): string {
    return this.config.name;
  }

  /** What the app logs through: the `logger` option, else a console logger at `logLevel`. */
  get logger(): Logger {
    this.#logger ??= this.config.logger ?? createLogger({ level: this.config.logLevel });
    return this.#logger;
  }

  /** Overrides options with `options`; call before the app is first used. */
  configFromObject(options: AppOptions): this {
    const merged = { ...this.#options, ...options };
    resolveConfig({ ...this.#envOptions, ...merged });
    this.#options = merged;
    this.#config = undefined;
    this.#logger = undefined;
    this.#security = undefined;
    return this;
  }

  /**
   * Message signing, as Celery's `app.setup_security()` (docs/security.md):
   * what this process sends is signed with `signingKey`, and its workers run
   * only messages signed by one of `verifyKeys`. The same as the options (or
   * TQ_SIGNING_KEY, TQ_VERIFY_KEYS, TQ_SIGNATURE_MAX_AGE); call before first use.
   */
  setupSecurity(options: Pick<AppOptions, "signingKey" | "verifyKeys" | "signatureMaxAge">): this {
    return this.configFromObject(options);
  }

  /**
   * This app's message signing, from its config.
   * @internal
   */
  get security(): MessageSecurity {
    this.#security ??= new MessageSecurity(this.config);
    return this.#security;
  }

  /** Makes TQ_* environment variables override options given in code. */
  configFromEnv(read: (name: string) => string | undefined = env): this {
    return this.configFromObject(optionsFromEnv(read));
  }

  /** Runs `hook` once, before the app first talks to the database. */
  onInit(hook: () => void | Promise<void>): this {
    this.#initHooks.push(hook);
    return this;
  }

  /**
   * Imports task modules so the tasks they register on this app exist, as
   * Celery's autodiscover_tasks: paths (relative to the working directory, or
   * absolute) or file:// URLs, where a directory means its `tasks.ts`. Safe
   * to call without await at the top level of the app's module: `ready()`
   * (which a worker awaits before it claims) and the CLI's `-A` wait for the
   * imports. Resolves to the names of the tasks added; a module that fails to
   * import rejects with a ConfigError, one that adds none is warned about.
   */
  autodiscoverTasks(modules: string[], options?: DiscoverOptions): Promise<string[]> {
    const discovery = discoverTasks(this, modules, options);
    this.onInit(async () => void (await discovery));
    return discovery;
  }

  /** Registers a task; the returned Task is typed by the handler. */
  // deno-lint-ignore no-explicit-any
  task<A extends any[], R>(nameOrOptions: string | TaskOptions, handler: TaskHandler<A, R>): Task<A, R> {
    const options = typeof nameOrOptions === "string" ? { name: nameOrOptions } : nameOrOptions;
    const task = new Task<A, R>(this, options, handler);
    this.registry.add(task);
    return task;
  }

  /**
   * The transport, created on first use.
   * @internal
   */
  get transport(): Transport {
    this.#transport ??= this.#backend.createTransport(this.config);
    return this.#transport;
  }

  /** The transport once the init hooks ran: what Control, Inspect and Schedules work through. */
  readonly #readyTransport = async (): Promise<Transport> => {
    await this.ready();
    return this.transport;
  };

  /** Runs the init hooks once; every broker operation awaits this first. */
  ready(): Promise<void> {
    this.#initialized ??= (async () => {
      for (const hook of this.#initHooks) await hook();
      await this.security.ready();
      await loadTracing();
    })();
    return this.#initialized;
  }

  /**
   * Waits for results (by notification, else by polling) for every handle this app gives.
   * @internal
   */
  get results(): ResultWaiter {
    this.#waiter ??= new ResultWaiter(() => this.transport, this.config.pollIntervalMs, this.logger, {
      revoke: (id, terminate) => this.control.revoke(id, { terminate }),
      revokeWorkflow: (ids, terminate) => this.control.revokeWorkflow(ids, { terminate }),
    });
    return this.#waiter;
  }

  /** Revokes tasks and changes rate limits across the running workers. */
  get control(): Control {
    this.#control ??= new Control(
      this.#readyTransport,
      () => this.config.resultTtlMs,
      (command, args, options) => this.inspect.broadcast(command, args, options),
    );
    return this.#control;
  }

  /** Beat schedules stored in the database: add, list, remove, enable, disable at run time. */
  get schedules(): Schedules {
    this.#schedules ??= new Schedules(this.#readyTransport);
    return this.#schedules;
  }

  /**
   * Sends failed jobs again (kept for `failedTtl`): the ids given, or with
   * `all` every failed job, of `task` when given. Returns the ids requeued.
   */
  async retryFailed(params: { ids?: string[]; task?: string; all?: boolean }): Promise<string[]> {
    await this.ready();
    return this.transport.resultRequeueFailed(params);
  }

  /** Applies database migrations now (otherwise they run on first use). */
  async migrate(): Promise<number> {
    await this.ready();
    return this.transport.migrate();
  }

  /** Starts a workflow (a signature, chain, group or chord as data); what `delay()` of each calls. */
  startCanvas(data: CanvasData, options: { sql?: unknown } = {}): Promise<AsyncResult | GroupResult> {
    const deps = { transport: this.#readyTransport, context: () => this.launchContext(), results: this.results, sign: (launch: Launch) => this.security.signLaunch(launch) };
    return startCanvas(deps, data, options);
  }

  /**
   * What starting a workflow needs from the app: its default queue, clock and tasks.
   * @internal
   */
  launchContext(parent?: { id: string; rootId: string }): LaunchContext {
    return {
      defaultQueue: this.config.defaultQueue,
      clock: this.clock.forward(),
      taskOptions: (name) => this.registry.get(name)?.options,
      check: (message) => {
        this.registry.get(message.task)?.checkArgs(message.args, message.kwargs);
        encodeMessage(message, this.config.maxMessageBytes);
      },
      ...(parent ? { parent } : {}),
    };
  }

  /** A signature, chain, group or chord from its data (its toJSON(), after a JSON round trip): ready to start. */
  canvas(data: CanvasData): CanvasFromData {
    return new CanvasFromData(this, data);
  }

  /** A signature by task name, for tasks whose code this process does not have. */
  signature(name: string, args: unknown[] = [], options: SignatureOptions = {}): Signature<unknown, unknown> {
    return new Signature(this, { kind: "task", task: name, args, options: stepOptions(options) });
  }

  /** Sends a task by name; the worker needs the code, the sender does not. */
  async sendTask<R = unknown>(name: string, args: unknown[] = [], options: SendOptions = {}): Promise<AsyncResult<R>> {
    const [result] = await this.sendMany<R>(name, [args], options);
    return result;
  }

  /** Sends one job per argument list, in one statement. `options.id` is not allowed here. */
  async sendMany<R = unknown>(name: string, argsList: unknown[][], options: SendOptions = {}): Promise<AsyncResult<R>[]> {
    rejectUnknownSendOptions(options, name);
    // Messages carry the active span's trace context when tracing is on (core/tracing.ts).
    await loadTracing();
    const task = this.registry.get(name);
    const defaults = { defaultQueue: this.config.defaultQueue, clock: this.clock.forward() };
    if (argsList.length > 1 && options.id) throw new TypeError(`Send option "id" names one job; it cannot be used to send ${argsList.length}.`);
    const messages = argsList.map((args) => buildMessage(name, args, options, task?.options, defaults));
    // Whenever this process has the task, its arguments are checked before anything is written.
    if (task) for (const args of argsList) task.checkArgs(args, options.kwargs);
    // A debounced send takes the id of the job it replaces: the signature leaves the id out (docs/security.md).
    await this.security.signMessages(messages, options.debounce !== undefined ? ["d"] : []);
    const encoded = messages.map((message) => encodeMessage(message, this.config.maxMessageBytes));
    const timing = insertTiming(options, task?.options);
    await this.ready();
    // A unique send may come back with the id of the job that already holds its key.
    // What tq shows of the arguments (TaskOptions.redact); without the task's code, its stored rule applies (docs/security.md).
    const argsShown = messages.map((m) => shownArgs(task?.options.redact, m.args, m.kwargs));
    const ids = await this.transport.jobInsertMany(encoded, { ...timing, sql: options.sql, argsShown });
    if (this.config.events) {
      // In the caller's transaction when it passed one: a rollback leaves neither job nor event.
      // Arguments this process has no redaction for get the task's stored rule, as its job does.
      const sent = messages.map((m, i) => ({ taskId: m.id, task: name, clock: m.clock, data: { queue: m.queue, args: argsShown[i]?.args ?? m.args }, argsByRule: !argsShown[i] }));
      await this.events.sendIn(options.sql, "task-sent", sent);
    }
    return ids.map((id) => new AsyncResult<R>(id, this.results));
  }

  /** Reads what the system is doing: queues, workers, jobs, and broadcasts to live workers. */
  get inspect(): Inspect {
    this.#inspect ??= new Inspect(this.#readyTransport, () => this.workerStaleMs);
    return this.#inspect;
  }

  /** A worker whose last heartbeat is older than this counts as dead: three heartbeats. */
  get workerStaleMs(): number {
    return this.config.heartbeatMs * 3;
  }

  /** Why task `id` is not running: each reason that holds it back. */
  async why(id: string): Promise<WhyReport> {
    await this.ready();
    return explain(this.transport, this.inspect, id, this.workerStaleMs);
  }

  /**
   * Where this app's events go (see `events` in the options).
   * @internal
   */
  get events(): EventSender {
    this.#events ??= new EventSender({ transport: () => this.transport, clock: this.clock, logger: this.logger });
    return this.#events;
  }

  /** A handle on the result of a task sent earlier, by id. */
  asyncResult<R = unknown>(id: string): AsyncResult<R> {
    return new AsyncResult<R>(id, this.results);
  }

  /** Celery's spelling of `asyncResult(id)`. */
  AsyncResult<R = unknown>(id: string): AsyncResult<R> {
    return this.asyncResult<R>(id);
  }

  /**
   * The database's current time: the clock that decides every countdown,
   * ETA, expiry, lease and beat tick, whatever this machine's clock says.
   * Reading it creates and migrates nothing.
   */
  async now(): Promise<Date> {
    await this.ready();
    return this.transport.clockNow();
  }

  /**
   * Closes the connections; the app can no longer be used. Returns within a
   * second even when the server went away: events not written within 0.5 s
   * are dropped (they are hints for monitoring), and the transport cuts
   * what it cannot close cleanly.
   */
  async close(): Promise<void> {
    await this.#events?.drain(500);
    // Together: closing the transport settles a subscription still
    // connecting, which the waiter's close waits for.
    await Promise.all([this.#waiter?.close(), this.#transport?.close()]);
  }
}
