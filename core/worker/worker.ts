/**
 * The worker: claims jobs in batches up to its free slots plus prefetch,
 * runs them concurrently in the event loop, writes outcomes in batches,
 * renews its leases, sweeps expired leases and results, and stops
 * gracefully: it stops claiming, hands unstarted jobs back, and lets running
 * ones finish within a grace period.
 */
import type { App } from "../app.ts";
import { ConfigError, type ErrorInfo, SoftTimeLimitExceeded, TaskRevoked, TimeLimitExceeded, toErrorInfo } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { Message } from "../message.ts";
import { EventSender } from "../events.ts";
import { parseRate } from "../rate.ts";
import { hostname, pid, rss } from "../runtime.ts";
import type {
  ClaimedJob,
  Completion,
  ControlMessage,
  HeartbeatReply,
  RetryRequest,
  Transport,
  Unsubscribe,
  WorkerInfo,
  WorkerStatus,
} from "../transport.ts";
import { Batcher } from "./batcher.ts";
import { decide, type Outcome, prepareJob, taskOf } from "./executor.ts";
import { createPool } from "./pool/mod.ts";
import type { HandlerPool, PoolKind } from "./pool/pool.ts";
import { LazyAbort } from "./lazy_abort.ts";
import { RateGates } from "./rate_gate.ts";
import { type CommandHandlers, consumerHandlers, RemoteControl } from "./remote_control.ts";
import { WorkerEvents } from "./worker_events.ts";

export interface WorkerOptions {
  /** Queues to consume; the app's default queue when omitted. */
  queues?: string[];
  concurrency?: number;
  prefetch?: number;
  /**
   * Where handlers run: "async" (default, promises in this event loop),
   * "threads" (Web Workers; on Deno the process pool, which can stop a busy
   * handler where Deno's threads cannot) or "process" (child processes).
   */
  pool?: PoolKind;
  /** The module that exports the app: what a threads or process pool loads. */
  appModule?: string;
  /** Logger for task lines (info) and problems; the app's logger when omitted. */
  logger?: Logger;
  /** Send task and worker events (`tq worker -E`); the app's `events` option when omitted. */
  events?: boolean;
  /**
   * Called when `tq control shutdown` asks this worker to stop; the CLI
   * stops as on SIGTERM. Without it the worker stops itself.
   */
  onShutdownRequest?: () => void;
}

interface RunningJob {
  job: ClaimedJob;
  controller: LazyAbort;
  /** Ends the job with `outcome` unless it has already ended. */
  settle(outcome: Outcome): void;
  /** Revoked without terminate: let it finish, but never retry it. */
  revoked: boolean;
}

/** Counts since start. */
export interface WorkerStats {
  succeeded: number;
  failed: number;
  retried: number;
}

/** Shortest wait before claiming again when ready jobs were all locked by other workers. */
const MIN_REPOLL_MS = 25;

export class Worker {
  readonly id: string;
  readonly queues: string[];
  readonly concurrency: number;
  readonly prefetch: number;
  readonly stats: WorkerStats = { succeeded: 0, failed: 0, retried: 0 };
  readonly #app: App;
  readonly #logger: Logger;
  readonly #buffer: ClaimedJob[] = [];
  /** Jobs claimed beyond free slots: starts at prefetch and adapts (see #adaptWindow). */
  #window: number;
  readonly #running = new Map<string, RunningJob>();
  readonly #completions: Batcher<Completion>;
  readonly #retries: Batcher<RetryRequest>;
  readonly #pool: HandlerPool;
  readonly #gates: RateGates;
  /** Tasks registered with acksLate: false: claimed as at-most-once. */
  readonly #earlyAckTasks: string[];
  #settingsAt: number | null = null;
  #transport!: Transport;
  #info!: WorkerInfo;
  #claiming = false;
  #wokenDuringClaim = false;
  #drained = false;
  #stopping = false;
  #stopped?: Promise<void>;
  #wakeTimer?: ReturnType<typeof setTimeout>;
  #heartbeatTimer?: ReturnType<typeof setTimeout>;
  #maintenanceTimer?: ReturnType<typeof setTimeout>;
  #unsubscribe?: Unsubscribe;
  #unsubscribeControl?: Unsubscribe;
  #idle?: () => void;
  #claimFailures = 0;
  /** Time limits set at run time (`tq control time-limit`), overriding task options. */
  #timeLimits = new Map<string, [number | null, number | null]>();
  readonly #events?: WorkerEvents;
  readonly #control: RemoteControl;
  readonly #onShutdownRequest?: () => void;
  readonly #startedAt = Date.now();

  constructor(app: App, options: WorkerOptions = {}) {
    const config = app.config;
    this.#app = app;
    this.#logger = options.logger ?? app.logger;
    this.queues = options.queues?.length ? [...new Set(options.queues)] : [config.defaultQueue];
    this.concurrency = options.concurrency ?? config.concurrency;
    this.prefetch = options.prefetch ?? config.prefetch;
    this.#window = this.prefetch;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) throw new ConfigError(`Worker option "concurrency" must be a positive integer, got ${this.concurrency}.`);
    if (!Number.isInteger(this.prefetch) || this.prefetch < 0) throw new ConfigError(`Worker option "prefetch" must be a non-negative integer, got ${this.prefetch}.`);
    this.id = `${hostname()}:${pid}:${crypto.randomUUID().slice(0, 8)}`;
    const maxBatch = config.batchSize;
    const ttls = { resultTtlMs: config.resultTtlMs, failedTtlMs: config.failedTtlMs };
    this.#completions = new Batcher({
      name: "completions",
      maxBatch,
      logger: this.#logger,
      write: async (items) => void await this.#transport.jobCompleteMany(items, ttls),
    });
    this.#retries = new Batcher({ name: "retries", maxBatch, logger: this.#logger, write: (items) => this.#transport.jobRetryMany(items) });
    this.#pool = createPool(options.pool ?? "async", {
      registry: app.registry,
      concurrency: this.concurrency,
      appModule: options.appModule,
      logger: this.#logger,
    });
    this.#gates = new RateGates({
      takeCluster: (task, count, rate) => this.#transport.rateTake({ task, count, perMs: rate.perMs, capacity: rate.capacity }),
      wake: () => {
        this.#startBuffered();
        this.#pump();
      },
      logger: this.#logger,
    });
    this.#earlyAckTasks = app.registry.all().filter((task) => task.options.acksLate === false).map((task) => task.name);
    if (options.events ?? config.events) {
      this.#events = new WorkerEvents(new EventSender({ transport: () => this.#transport, clock: app.clock, logger: this.#logger, worker: this.id }), app.clock);
    }
    this.#control = new RemoteControl(this.id, () => this.#transport, this.#commandHandlers(), this.#logger);
    this.#onShutdownRequest = options.onShutdownRequest;
  }

  /** Where handlers run. */
  get pool(): PoolKind {
    return this.#pool.kind;
  }

  /** Jobs running now. */
  get active(): number {
    return this.#running.size;
  }

  /** Connects, registers, and starts consuming. Resolves once the worker is consuming. */
  async start(): Promise<void> {
    await this.#app.ready();
    this.#transport = this.#app.transport;
    await this.#transport.migrate();
    this.#info = {
      id: this.id,
      app: this.#app.name,
      host: hostname(),
      pid,
      queues: this.queues,
      concurrency: this.concurrency,
      tasks: this.#app.registry.names(),
    };
    await this.#pool.start();
    this.#settingsAt = (await this.#transport.workerHeartbeat(this.#info, this.#app.config.leaseMs, [], this.#status())).settingsAt;
    await this.#loadSettings();
    try {
      this.#unsubscribe = await this.#transport.subscribeJobs((queue) => {
        if (queue === "*" || this.queues.includes(queue)) this.#wake();
      });
      this.#unsubscribeControl = await this.#transport.subscribeControl((message) => this.#onControl(message));
      // Commands sent between registering and listening had no one to wake.
      this.#control.poke();
    } catch (error) {
      this.#logger.log("warn", "Listening for notifications failed; polling instead", { error: String(error) });
    }
    this.#scheduleHeartbeat();
    this.#scheduleMaintenance(0);
    this.#events?.worker("worker-online", this.#eventInfo());
    this.#logger.log("info", `Worker ${this.id} consuming ${this.queues.join(", ")}`, {
      worker: this.id,
      queues: this.queues,
      concurrency: this.concurrency,
      pool: this.#pool.kind,
      tasks: this.#info.tasks,
    });
    this.#wake();
  }

  /** Applies rate and time limits: task options, overridden by settings changed at run time. */
  async #loadSettings(): Promise<void> {
    const overrides = new Map((await this.#transport.taskSettingList()).map((s) => [s.task, s]));
    this.#timeLimits = new Map([...overrides.values()].filter((s) => s.timeLimit).map((s) => [s.task, s.timeLimit!]));
    for (const task of this.#app.registry.all()) {
      const setting = overrides.get(task.name);
      const local = setting?.rateLimit ?? task.options.rateLimit;
      const cluster = setting?.clusterRateLimit ?? task.options.clusterRateLimit;
      try {
        this.#gates.configure(task.name, {
          local: local === undefined ? undefined : parseRate(local),
          cluster: cluster === undefined ? undefined : parseRate(cluster, "clusterRateLimit"),
        });
      } catch (error) {
        this.#logger.log("error", `Ignoring the rate limit set for task ${task.name}`, { error: String((error as Error).message) });
      }
    }
  }

  #reloadSettings(): void {
    this.#loadSettings().then(() => this.#wake(), (error) => {
      this.#logger.log("warn", "Reloading task settings failed; the next heartbeat tries again", { error: String(error?.message ?? error) });
      this.#settingsAt = null;
    });
  }

  #onControl(message: ControlMessage): void {
    if (message.type === "revoke") {
      for (const id of message.ids) this.#revoke(id, message.terminate);
    } else if (message.type === "settings") {
      this.#reloadSettings();
    } else if (message.type === "command") {
      this.#control.poke();
    }
  }

  /** What this worker answers to broadcasts (`tq control`, `tq inspect stats|reserved|ping`). */
  #commandHandlers(): CommandHandlers {
    return {
      ping: () => ({ ok: "pong" }),
      stats: () => ({
        ...this.#eventInfo(),
        ...this.#status(),
        buffered: this.#buffer.length,
        rateLimited: this.#gates.heldCount,
        uptimeMs: Date.now() - this.#startedAt,
        rssMb: Math.round(rss() / 1e5) / 10,
      }),
      active: () => ({
        jobs: [...this.#running.values()].map(({ job }) => ({ id: job.id, task: taskOf(job), attempt: job.attempt })),
      }),
      reserved: () => ({
        jobs: [
          ...this.#buffer.map((job) => ({ id: job.id, task: taskOf(job) })),
          ...this.#gates.heldIds().map((id) => ({ id, task: "(waiting for its rate limit)" })),
        ],
      }),
      registered: () => ({ tasks: this.#app.registry.names() }),
      shutdown: () => {
        this.#logger.log("info", "Shutdown requested by tq control");
        setTimeout(() => (this.#onShutdownRequest ? this.#onShutdownRequest() : void this.stop()), 0);
        return { ok: "shutting down" };
      },
      ...consumerHandlers(this.queues, () => this.#wake()),
    };
  }

  /** Who this worker is, in events and stats. */
  #eventInfo(): Record<string, unknown> {
    return { host: hostname(), pid, queues: this.queues, concurrency: this.concurrency, pool: this.#pool.kind };
  }

  #status(): WorkerStatus {
    return { pool: this.#pool.kind, prefetch: this.#window, running: this.#running.size, ...this.stats, events: this.#events !== undefined };
  }

  /** What a heartbeat reports that notifications may have missed. */
  #onHeartbeat(reply: HeartbeatReply): void {
    for (const { id, terminate } of reply.revoked) this.#revoke(id, terminate);
    this.#control.poke(reply.commandsPending);
    if (reply.settingsAt !== this.#settingsAt) {
      this.#settingsAt = reply.settingsAt;
      this.#reloadSettings();
    }
  }

  /** Ends a job this worker holds as revoked: at once if it waits or if `terminate`, else after its run, without retry. */
  #revoke(id: string, terminate: boolean): void {
    const waiting = this.#gates.remove(id) ?? this.#takeBuffered(id);
    if (waiting) {
      this.#record(waiting, revokedOutcome(waiting, "(not started)", "The task was revoked before it started."), 0);
      return;
    }
    const running = this.#running.get(id);
    if (!running) return;
    running.revoked = true;
    if (!terminate) return;
    running.controller.abort(new TaskRevoked("The task was revoked with terminate."));
    this.#pool.kill(id);
    running.settle(revokedOutcome(running.job, taskOf(running.job), "The task was revoked and terminated while it ran."));
  }

  /**
   * Every job this worker holds a lease on: running, buffered, waiting for a
   * rate limit, or finished with its outcome not yet written (a database
   * outage must not let the lease of a job that succeeded run out).
   */
  #heldJobIds(): string[] {
    const unwritten = [...this.#completions.unwritten(), ...this.#retries.unwritten()].map((item) => item.id);
    return [...this.#running.keys(), ...this.#buffer.map((job) => job.id), ...this.#gates.heldIds(), ...unwritten];
  }

  #takeBuffered(id: string): ClaimedJob | undefined {
    const index = this.#buffer.findIndex((job) => job.id === id);
    return index >= 0 ? this.#buffer.splice(index, 1)[0] : undefined;
  }

  #wake(): void {
    this.#drained = false;
    // A job announced while a claim is in flight may have missed that claim's snapshot: claim again after it.
    if (this.#claiming) this.#wokenDuringClaim = true;
    this.#pump();
  }

  /** Claims when there is room: at once when the buffer is empty, else once half the window is free. */
  #pump(): void {
    if (this.#stopping || this.#claiming || this.#drained) return;
    const room = this.concurrency + this.#window - this.#running.size - this.#buffer.length - this.#gates.heldCount;
    if (room <= 0 || (this.#buffer.length > 0 && room < Math.max(1, this.#window >> 1))) return;
    const limit = Math.min(room, this.#app.config.batchSize);
    this.#claiming = true;
    this.#wokenDuringClaim = false;
    this.#transport.jobClaim({ queues: this.queues, limit, workerId: this.id, leaseMs: this.#app.config.leaseMs, earlyAckTasks: this.#earlyAckTasks }).then(
      (jobs) => {
        this.#claimFailures = 0;
        this.#adaptWindow(jobs.length === limit);
        this.#buffer.push(...jobs);
        if (this.#events) for (const job of jobs) this.#events.received(job);
        this.#startBuffered();
        if (jobs.length < limit && !this.#wokenDuringClaim) {
          this.#drained = true;
          this.#sleepUntilReady();
        }
      },
      (error) => {
        this.#claimFailures++;
        this.#drained = true;
        const delay = Math.min(this.#app.config.pollIntervalMs * 5, 100 * 2 ** this.#claimFailures);
        this.#logger.log("warn", "Claiming jobs failed; retrying", { error: String(error?.message ?? error), inMs: delay });
        this.#setWakeTimer(delay);
      },
    ).finally(() => {
      this.#claiming = false;
      this.#pump();
    });
  }

  /**
   * Sizes the prefetch window to the work: when a full claim comes back to
   * an empty buffer and idle slots, the jobs ran faster than one claim round
   * trip and the window doubles (up to batchSize), so fast jobs are claimed
   * in large batches; when a claim comes back while half the window is still
   * buffered, it shrinks back towards the configured prefetch, so slow jobs
   * are not hoarded. A prefetch of 0 means none, and stays so.
   */
  #adaptWindow(full: boolean): void {
    if (this.prefetch === 0) return;
    const starved = this.#buffer.length === 0 && this.#running.size < this.concurrency;
    if (full && starved) this.#window = Math.min(this.#app.config.batchSize, this.#window * 2);
    else if (this.#buffer.length >= this.#window >> 1) this.#window = Math.max(this.prefetch, Math.floor(this.#window * 0.75));
  }

  /** Sleeps until the earliest delayed job is due, or the poll interval, whichever is first. */
  #sleepUntilReady(): void {
    const poll = this.#app.config.pollIntervalMs;
    this.#transport.jobNextReadyIn(this.queues).then(
      (waitMs) => this.#setWakeTimer(waitMs === null ? poll : Math.min(poll, Math.max(MIN_REPOLL_MS, Math.ceil(waitMs)))),
      () => this.#setWakeTimer(poll),
    );
  }

  #setWakeTimer(ms: number): void {
    if (this.#stopping) return;
    clearTimeout(this.#wakeTimer);
    this.#wakeTimer = setTimeout(() => this.#wake(), ms);
  }

  /** Starts jobs while slots are free: held rate-limited jobs that may go now first, then the buffer in claim order. */
  #startBuffered(): void {
    while (!this.#stopping && this.#running.size < this.concurrency) {
      const job = this.#gates.next() ?? this.#nextUnlimited();
      if (!job) return;
      this.#run(job);
    }
  }

  /** The next buffered job whose task has no rate limit; jobs of limited tasks move to their gate. */
  #nextUnlimited(): ClaimedJob | undefined {
    while (this.#buffer.length) {
      const job = this.#buffer.shift()!;
      const task = taskOf(job);
      if (!this.#gates.limits(task)) return job;
      this.#gates.hold(task, job);
      const admitted = this.#gates.next();
      if (admitted) return admitted;
    }
    return undefined;
  }

  #run(job: ClaimedJob): void {
    const started = performance.now();
    const prepared = prepareJob(job, { registry: this.#app.registry, clock: this.#app.clock });
    if (prepared.kind === "done") {
      this.#record(job, prepared.outcome, performance.now() - started);
      return;
    }
    const { message, task } = prepared;
    this.#events?.started(job, message.task);
    const controller = new LazyAbort();
    const timers: ReturnType<typeof setTimeout>[] = [];
    let settled = false;
    const entry: RunningJob = {
      job,
      controller,
      revoked: false,
      settle: (outcome) => {
        if (settled) return;
        settled = true;
        for (const timer of timers) clearTimeout(timer);
        this.#running.delete(job.id);
        this.#record(job, outcome, performance.now() - started);
        if (this.#running.size === 0) this.#idle?.();
        this.#startBuffered();
        this.#pump();
      },
    };
    this.#running.set(job.id, entry);
    const [softMs, hardMs] = message.timeLimit ?? this.#timeLimits.get(task.name) ?? task.timeLimitMs;
    if (softMs !== null) {
      timers.push(setTimeout(() => controller.abort(new SoftTimeLimitExceeded(`Task ${message.task} passed its soft time limit of ${softMs} ms.`)), softMs));
    }
    if (hardMs !== null) {
      timers.push(setTimeout(() => {
        const error = new TimeLimitExceeded(`Task ${message.task} passed its hard time limit of ${hardMs} ms and was stopped.`);
        controller.abort(error);
        const killed = this.#pool.kill(job.id);
        if (!killed) this.#logger.log("warn", `Task ${message.task}[${job.id}] passed its hard time limit; its slot is freed but the async pool cannot stop the handler`, { id: job.id });
        entry.settle(decide(job, message, task, { kind: "error", error: toErrorInfo(error), autoRetry: false }, this.#app.clock));
      }, hardMs));
    }
    const progress = (meta: unknown) => this.#transport.jobProgress({ id: job.id, attempt: job.attempt }, meta);
    const hooks = { get signal() { return controller.signal; }, progress };
    this.#pool.run({ jobId: job.id, attempt: job.attempt, message }, hooks).then((result) => {
      if (entry.revoked && result.kind !== "success") {
        entry.settle(revokedOutcome(job, message.task, "The task was revoked while it ran."));
      } else {
        entry.settle(decide(job, message, task, result, this.#app.clock));
      }
    }, (error) => entry.settle(decide(job, message, task, { kind: "error", error: toErrorInfo(error), autoRetry: false }, this.#app.clock)));
  }

  #record(job: ClaimedJob, outcome: Outcome, ms: number): void {
    this.#events?.outcome(job, outcome, ms);
    if (outcome.kind === "retry") {
      this.stats.retried++;
      this.#retries.add(outcome.retry);
      this.#logTask("info", job, outcome.task, ms, "RETRY", `retry in ${outcome.retry.delayMs} ms`, outcome.error.message);
      return;
    }
    const { completion } = outcome;
    if (completion.state === "SUCCESS") this.stats.succeeded++;
    else this.stats.failed++;
    this.#completions.add(completion);
    if (outcome.failed) this.#callOnFailure(outcome.failed.error, outcome.failed.message);
    const error = completion.error && `${completion.error.type}: ${completion.error.message}`;
    this.#logTask(completion.state === "SUCCESS" ? "info" : "warn", job, outcome.task, ms, completion.state, `${completion.state.toLowerCase()} in`, error);
  }

  /** One line per task; built only when the logger writes it (this runs once per job). */
  #logTask(level: "info" | "warn", job: ClaimedJob, task: string, ms: number, state: string, what: string, error?: string): void {
    if (this.#logger.enabled?.(level) === false) return;
    const rounded = Math.round(ms * 100) / 100;
    const text = state === "RETRY" ? `Task ${task}[${job.id}] ${what}` : `Task ${task}[${job.id}] ${what} ${rounded} ms`;
    const fields: Record<string, unknown> = { task, id: job.id, attempt: job.attempt, ms: rounded, state };
    if (error) fields.error = error;
    this.#logger.log(level, text, fields);
  }

  /** Runs the task's onFailure hook; its own errors are logged, never fatal. */
  #callOnFailure(error: ErrorInfo, message: Message): void {
    const hook = this.#app.registry.get(message.task)?.options.onFailure;
    if (!hook) return;
    const failed = { id: message.id, name: message.task, args: message.args, kwargs: message.kwargs, retries: message.retries };
    Promise.resolve().then(() => hook(error, failed)).catch((hookError) => {
      this.#logger.log("error", `The onFailure hook of task ${message.task} threw`, { id: message.id, error: String(hookError?.message ?? hookError) });
    });
  }

  #scheduleHeartbeat(): void {
    this.#heartbeatTimer = setTimeout(async () => {
      try {
        this.#onHeartbeat(await this.#transport.workerHeartbeat(this.#info, this.#app.config.leaseMs, this.#heldJobIds(), this.#status()));
        this.#events?.worker("worker-heartbeat", { running: this.#running.size, ...this.stats });
      } catch (error) {
        this.#logger.log("warn", "Heartbeat failed; leases may expire if this goes on", { error: String((error as Error)?.message ?? error) });
      }
      if (!this.#stopping) this.#scheduleHeartbeat();
    }, this.#app.config.heartbeatMs);
  }

  /** Rescues expired leases and deletes expired results, with jitter so workers do not sweep in step. */
  #scheduleMaintenance(delayMs: number): void {
    this.#maintenanceTimer = setTimeout(async () => {
      try {
        const config = this.#app.config;
        const { requeued, failed, revoked } = await this.#transport.jobRescueExpired({ resultTtlMs: config.resultTtlMs, failedTtlMs: config.failedTtlMs });
        if (requeued || failed || revoked) this.#logger.log("warn", "Rescued jobs whose worker stopped renewing their lease", { requeued, failed, revoked });
        await this.#transport.resultCleanExpired();
        await this.#transport.inspectClean();
      } catch (error) {
        this.#logger.log("warn", "Maintenance failed; will retry", { error: String((error as Error)?.message ?? error) });
      }
      if (!this.#stopping) {
        const interval = this.#app.config.maintenanceMs;
        this.#scheduleMaintenance(interval * (0.75 + Math.random() * 0.5));
      }
    }, delayMs);
  }

  /**
   * Stops consuming: unstarted jobs go back to the queue at once; running
   * ones get `graceMs` to finish, after which their signal is aborted and
   * their jobs run again once their lease expires. Safe to call twice.
   */
  stop(options: { graceMs?: number } = {}): Promise<void> {
    this.#stopped ??= this.#shutdown(options.graceMs ?? this.#app.config.shutdownGraceMs);
    return this.#stopped;
  }

  async #shutdown(graceMs: number): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#wakeTimer);
    clearTimeout(this.#maintenanceTimer);
    await this.#unsubscribe?.();
    await this.#unsubscribeControl?.();
    const unstarted = [...this.#buffer.splice(0), ...this.#gates.releaseAll()];
    if (unstarted.length) {
      try {
        await this.#transport.jobReleaseMany(unstarted.map(({ id, attempt }) => ({ id, attempt })), this.id);
      } catch (error) {
        this.#logger.log("warn", "Handing back unstarted jobs failed; they run again when their lease expires", { error: String(error), jobs: unstarted.length });
      }
    }
    if (this.#running.size) {
      this.#logger.log("info", `Waiting up to ${graceMs} ms for ${this.#running.size} running task(s)`, { running: this.#running.size });
      const idle = new Promise<void>((resolve) => (this.#idle = resolve));
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([idle, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
    }
    for (const { job, controller } of this.#running.values()) {
      controller.abort(new Error("The worker is shutting down"));
      this.#logger.log("warn", `Task ${job.id} still running at shutdown; it runs again when its lease expires`, { id: job.id });
    }
    await this.#pool.close();
    const drainMs = Math.max(5_000, this.#app.config.heartbeatMs);
    const left = (await this.#completions.drain(drainMs)) + (await this.#retries.drain(drainMs));
    if (left) this.#logger.log("error", "Some outcomes could not be written; those jobs run again when their lease expires", { left });
    clearTimeout(this.#heartbeatTimer);
    this.#events?.worker("worker-offline", { ...this.stats });
    await this.#events?.drain(drainMs);
    try {
      await this.#transport.workerRemove(this.id);
    } catch {
      // The row ages out of inspection by its heartbeat time.
    }
    this.#logger.log("info", `Worker ${this.id} stopped`, { ...this.stats });
  }
}

function revokedOutcome(job: ClaimedJob, task: string, message: string): Outcome {
  return { kind: "complete", task, completion: { id: job.id, attempt: job.attempt, state: "REVOKED", error: { type: "TaskRevoked", message } } };
}
