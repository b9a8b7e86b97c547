/**
 * The worker: claims jobs of the tasks it has, in batches up to its free
 * slots plus prefetch, runs them in its pool, writes their outcomes in
 * batches, and keeps their leases. It stops in three steps (shutdown.ts).
 */
import type { App } from "../app.ts";
import * as D from "../defaults.ts";
import { ConfigError, LeaseLost, SoftTimeLimitExceeded, TaskRevoked, TimeLimitExceeded, toErrorInfo } from "../errors.ts";
import { EventSender } from "../events.ts";
import type { Logger } from "../logger.ts";
import type { Message } from "../message.ts";
import { hostname, pid, rss } from "../runtime.ts";
import type { Task } from "../task.ts";
import type { ClaimedJob, ControlMessage, HeartbeatReply, JobToken, Transport, Unsubscribe, WorkerInfo, WorkerStatus } from "../transport.ts";
import { decide, type Outcome, prepareJob, taskOf } from "./executor.ts";
import { LeaseKeeper } from "./leases.ts";
import { Maintenance } from "./maintenance.ts";
import { OutcomeWriter, type WorkerStats } from "./outcomes.ts";
import { createPool } from "./pool/mod.ts";
import type { HandlerPool, PoolKind } from "./pool/pool.ts";
import { RateGates } from "./rate_gate.ts";
import { type CommandHandlers, consumerHandlers, RemoteControl } from "./remote_control.ts";
import { RunningJob, RunningJobs } from "./running.ts";
import { shutdownWorker, type StopReport } from "./shutdown.ts";
import { StartMarks } from "./start_marks.ts";
import { TaskSettingsView } from "./task_settings.ts";
import { WorkerEvents } from "./worker_events.ts";

export type { StopReport } from "./shutdown.ts";
export type { WorkerStats } from "./outcomes.ts";

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

/** Shortest wait before claiming again when ready jobs were all locked by other workers. */
const MIN_REPOLL_MS = 25;

/**
 * Jobs that take less than this on average are "fast": a start mark's round
 * trip (about 1 ms here) would idle their slots, so claims mark them started
 * (see #startNow).
 */
const FAST_JOB_MS = 20;

export class Worker {
  readonly id: string;
  readonly queues: string[];
  readonly concurrency: number;
  readonly prefetch: number;
  readonly #app: App;
  readonly #logger: Logger;
  readonly #buffer: ClaimedJob[] = [];
  /** Jobs claimed beyond free slots: starts at prefetch and adapts (see #adaptWindow). */
  #window: number;
  readonly #running = new RunningJobs();
  readonly #outcomes: OutcomeWriter;
  readonly #pool: HandlerPool;
  readonly #gates: RateGates;
  readonly #settings: TaskSettingsView;
  /** Tasks registered with acksLate: false: claimed as at-most-once. */
  readonly #earlyAckTasks: string[];
  /** Each task's declared attempts, for messages that set no maxRetries. */
  readonly #maxAttempts: Record<string, number>;
  #settingsAt: number | null = null;
  #transport!: Transport;
  #leases?: LeaseKeeper;
  #marks?: StartMarks;
  readonly #maintenance: Maintenance;
  #claiming = false;
  #wokenDuringClaim = false;
  #drained = false;
  #stopping = false;
  #consuming = false;
  #stopped?: Promise<StopReport>;
  #cut?: () => void;
  readonly #cutRequested: Promise<void>;
  #wakeTimer?: ReturnType<typeof setTimeout>;
  #unsubscribe: Unsubscribe[] = [];
  #claimFailures = 0;
  /** Moving average of handler run times (ms); undefined until a job has run. */
  #averageRunMs?: number;
  /** Suspect jobs (lost with their last worker) starting or running: claims then mark only what starts at once. */
  #suspects = 0;
  #claimInFlight?: Promise<void>;
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
    const transport = () => this.#transport;
    if (options.events ?? config.events) {
      this.#events = new WorkerEvents(new EventSender({ transport, clock: app.clock, logger: this.#logger, worker: this.id }), app.clock);
    }
    const ttls = { resultTtlMs: config.resultTtlMs, failedTtlMs: config.failedTtlMs };
    this.#outcomes = new OutcomeWriter({
      transport,
      maxBatch: config.batchSize,
      ttls,
      logger: this.#logger,
      events: this.#events,
      onFailed: (error, message) => this.#callOnFailure(error, message),
    });
    this.#maintenance = new Maintenance(transport, ttls, config.maintenanceMs, this.#logger);
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
    this.#settings = new TaskSettingsView(transport, app.registry, this.#gates, this.#logger);
    const tasks = app.registry.all();
    this.#earlyAckTasks = tasks.filter((task) => task.options.acksLate === false).map((task) => task.name);
    this.#maxAttempts = Object.fromEntries(tasks.map((task) => [task.name, (task.options.maxRetries ?? D.DEFAULT_MAX_RETRIES) + 1]));
    this.#control = new RemoteControl(this.id, transport, this.#commandHandlers(), this.#logger);
    this.#onShutdownRequest = options.onShutdownRequest;
    this.#cutRequested = new Promise((resolve) => (this.#cut = resolve));
  }

  /** Where handlers run. */
  get pool(): PoolKind {
    return this.#pool.kind;
  }

  /** Jobs running now. */
  get active(): number {
    return this.#running.size;
  }

  /** Counts since start. */
  get stats(): WorkerStats {
    return this.#outcomes.stats;
  }

  /** Connects, registers, and starts consuming. Resolves once the worker is consuming (or was stopped first). */
  async start(): Promise<void> {
    await this.#app.ready();
    this.#transport = this.#app.transport;
    await this.#transport.migrate();
    if (this.#stopping) return;
    const config = this.#app.config;
    const info: WorkerInfo = {
      id: this.id,
      app: this.#app.name,
      host: hostname(),
      pid,
      queues: this.queues,
      concurrency: this.concurrency,
      tasks: this.#app.registry.names(),
    };
    this.#marks = new StartMarks({ transport: () => this.#transport, workerId: this.id, leaseMs: config.leaseMs, maxBatch: config.batchSize, logger: this.#logger });
    this.#leases = new LeaseKeeper({
      transport: () => this.#transport,
      info,
      leaseMs: config.leaseMs,
      heartbeatMs: config.heartbeatMs,
      held: () => this.#heldJobs(),
      status: () => this.#status(),
      onReply: (reply) => this.#onHeartbeat(reply),
      onBeat: () => this.#events?.worker("worker-heartbeat", { running: this.#running.size, ...this.stats }),
      logger: this.#logger,
    });
    await this.#pool.start();
    this.#settingsAt = (await this.#leases.beat()).settingsAt;
    await this.#settings.load();
    if (this.#stopping) return;
    try {
      this.#unsubscribe.push(await this.#transport.subscribeJobs((queue) => {
        if (queue === "*" || this.queues.includes(queue)) this.#wake();
      }));
      this.#unsubscribe.push(await this.#transport.subscribeControl((message) => this.#onControl(message)));
      // Commands sent between registering and listening had no one to wake.
      this.#control.poke();
    } catch (error) {
      this.#logger.log("warn", "Listening for notifications failed; polling instead", { error: String(error) });
    }
    this.#consuming = true;
    this.#leases.start();
    this.#maintenance.start();
    this.#events?.worker("worker-online", this.#eventInfo());
    this.#logger.log("info", `Worker ${this.id} consuming ${this.queues.join(", ")}`, {
      worker: this.id,
      queues: this.queues,
      concurrency: this.concurrency,
      pool: this.#pool.kind,
      tasks: info.tasks,
    });
    this.#wake();
  }

  #reloadSettings(): void {
    this.#settings.load().then(() => this.#wake(), (error) => {
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
        jobs: this.#running.values().filter((entry) => entry.started).map(({ job }) => ({ id: job.id, task: taskOf(job), attempt: job.attempt })),
      }),
      reserved: () => ({
        jobs: [
          ...this.#buffer.map((job) => ({ id: job.id, task: taskOf(job) })),
          ...this.#gates.heldJobs().map((job) => ({ id: job.id, task: "(waiting for its rate limit)" })),
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
    const { succeeded, failed, retried } = this.stats;
    return { pool: this.#pool.kind, prefetch: this.#window, running: this.#running.size, succeeded, failed, retried, events: this.#events !== undefined };
  }

  /** What a heartbeat reports: leases lost, and what notifications may have missed. */
  #onHeartbeat(reply: HeartbeatReply): void {
    for (const token of reply.lost) this.#loseLease(token);
    for (const { id, terminate } of reply.revoked) this.#revoke(id, terminate);
    this.#control.poke(reply.commandsPending);
    if (reply.settingsAt !== this.#settingsAt) {
      this.#settingsAt = reply.settingsAt;
      this.#reloadSettings();
    }
  }

  /**
   * A job this worker held under `token` is no longer its own (it paused past
   * the lease and another worker took the job): stop its handler, free its
   * slot, and never write its outcome; a waiting one is dropped.
   */
  #loseLease(token: JobToken): void {
    const running = this.#running.get(token.id);
    if (running && running.job.attempt === token.attempt) {
      const task = taskOf(running.job);
      running.drop(new LeaseLost(`Task ${task}[${token.id}] lost its lease: another worker may be running it.`));
      this.#pool.kill(token.id);
      this.#events?.lost(running.job, task);
      this.#logger.log("warn", `Task ${task}[${token.id}] lost its lease (this worker stopped renewing it in time); its handler was aborted and its outcome will not be written`, { id: token.id, attempt: token.attempt });
      return;
    }
    const waiting = this.#gates.remove(token.id) ?? this.#takeBuffered(token.id);
    if (!waiting) return;
    if (waiting.attempt !== token.attempt) {
      this.#buffer.unshift(waiting);
      return;
    }
    this.#logger.log("warn", `Task ${taskOf(waiting)}[${token.id}] lost its lease before it started; dropped`, { id: token.id, attempt: token.attempt });
  }

  /** Ends a job this worker holds as revoked: at once if it waits or if `terminate`, else after its run, without retry. */
  #revoke(id: string, terminate: boolean): void {
    const waiting = this.#gates.remove(id) ?? this.#takeBuffered(id);
    if (waiting) {
      this.#outcomes.record(waiting, revokedOutcome(waiting, "(not started)", "The task was revoked before it started."), 0);
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
  #heldJobs(): JobToken[] {
    const token = ({ id, attempt }: JobToken) => ({ id, attempt });
    return [
      ...this.#running.values().map(({ job }) => token(job)),
      ...this.#buffer.map(token),
      ...this.#gates.heldJobs().map(token),
      ...this.#outcomes.unwritten(),
    ];
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
    if (this.#stopping || !this.#consuming || this.#claiming || this.#drained) return;
    const waiting = this.#buffer.length + this.#gates.heldCount;
    const room = this.concurrency + this.#window - this.#running.size - waiting;
    if (room <= 0 || (this.#buffer.length > 0 && room < Math.max(1, this.#window >> 1))) return;
    const config = this.#app.config;
    const limit = Math.min(room, config.batchSize);
    this.#claiming = true;
    this.#wokenDuringClaim = false;
    this.#claimInFlight = this.#transport.jobClaim({
      queues: this.queues,
      limit,
      workerId: this.id,
      leaseMs: config.leaseMs,
      tasks: this.#app.registry.names(),
      maxAttempts: this.#maxAttempts,
      startNow: this.#startNow(limit, waiting),
      earlyAckTasks: this.#earlyAckTasks,
    }).then(
      (jobs) => {
        this.#claimFailures = 0;
        if (this.#stopping) {
          // Claimed while the stop began: straight back, uncharged.
          this.#transport.jobReleaseMany(jobs.map(({ id, attempt }) => ({ id, attempt })), this.id).catch(() => {});
          return;
        }
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
   * How many of a claim's jobs the claim itself marks as started: those that
   * start as soon as they arrive (free slots). The rest are marked, fenced,
   * just before they start (start_marks.ts), so a crash charges only jobs that
   * ran. When the jobs have proven fast (FAST_JOB_MS), waiting for a mark
   * would idle the slots (measured: a 6x slower drain of no-op jobs), so the
   * whole claim is marked: a crash then charges that batch, whose jobs would
   * all have started within milliseconds anyway. Until a job has run, a
   * worker assumes slow jobs, so a job that kills its worker at once never
   * takes batch-mates down.
   */
  #startNow(limit: number, waiting: number): number {
    if (this.#suspects === 0 && this.#averageRunMs !== undefined && this.#averageRunMs < FAST_JOB_MS) return limit;
    return Math.max(0, this.concurrency - this.#running.size - waiting);
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

  /** Takes a slot for `job`: checks it, marks it started if the claim did not, and runs its handler. */
  #run(job: ClaimedJob): void {
    const prepared = prepareJob(job, { registry: this.#app.registry, clock: this.#app.clock });
    if (prepared.kind === "done") {
      this.#outcomes.record(job, prepared.outcome, 0);
      return;
    }
    const entry = new RunningJob(job, performance.now(), (settled, outcome) => this.#onSettled(settled, outcome));
    this.#running.add(entry);
    if (job.suspect) this.#suspects++;
    if (job.started && !job.suspect) {
      this.#invoke(entry, prepared.message, prepared.task);
      return;
    }
    this.#whenStartable(job).then((held) => {
      if (entry.settled) return;
      if (held) return this.#invoke(entry, prepared.message, prepared.task);
      this.#logger.log("warn", `Task ${prepared.message.task}[${job.id}] lost its lease while it waited in this worker's buffer; dropped`, { id: job.id });
      entry.drop(new LeaseLost("The job was taken over before it started."));
    });
  }

  /**
   * Resolves true once `job` may start: marked started (unless the claim did)
   * and, for a job lost with its last worker, after the jobs waiting next to
   * it lost their claim-time marks, so that if it kills this worker too they
   * go back uncharged. False: the job was taken from this worker meanwhile.
   */
  async #whenStartable(job: ClaimedJob): Promise<boolean> {
    if (job.suspect) {
      // A claim sent before this job counted as a suspect may bring marked jobs: let it land first.
      await this.#claimInFlight;
      const marked = [...this.#buffer, ...this.#gates.heldJobs()].filter((waiting) => waiting.started);
      for (const waiting of marked) waiting.started = false;
      try {
        await this.#transport.jobUnstartMany(marked.map(({ id, attempt }) => ({ id, attempt })), this.id);
      } catch (error) {
        this.#logger.log("warn", "Clearing the start marks of waiting jobs failed; a crash now would charge them", { error: String((error as Error)?.message ?? error) });
      }
    }
    return job.started || await this.#marks!.mark(job);
  }

  // deno-lint-ignore no-explicit-any
  #invoke(entry: RunningJob, message: Message, task: Task<any, any>): void {
    const { job, controller } = entry;
    entry.started = true;
    this.#events?.started(job, message.task);
    const [softMs, hardMs] = message.timeLimit ?? this.#settings.timeLimit(task.name) ?? task.timeLimitMs;
    if (softMs !== null) {
      entry.after(softMs, () => controller.abort(new SoftTimeLimitExceeded(`Task ${message.task} passed its soft time limit of ${softMs} ms.`)));
    }
    if (hardMs !== null) {
      entry.after(hardMs, () => {
        const error = new TimeLimitExceeded(`Task ${message.task} passed its hard time limit of ${hardMs} ms and was stopped.`);
        controller.abort(error);
        if (!this.#pool.kill(job.id)) {
          this.#logger.log("warn", `Task ${message.task}[${job.id}] passed its hard time limit: its signal was aborted and its slot freed, but the async pool cannot stop a handler, which may still be running (use --pool process to stop it)`, { id: job.id });
        }
        entry.settle(decide(job, message, task, { kind: "error", error: toErrorInfo(error), autoRetry: false }, this.#app.clock));
      });
    }
    const progress = (meta: unknown) => this.#transport.jobProgress({ id: job.id, attempt: job.attempt }, meta);
    const hooks = { get signal() { return controller.signal; }, progress };
    this.#pool.run({ jobId: job.id, attempt: job.attempt, message }, hooks).then((result) => {
      if (entry.revoked && result.kind !== "success") entry.settle(revokedOutcome(job, message.task, "The task was revoked while it ran."));
      else entry.settle(decide(job, message, task, result, this.#app.clock));
    }, (error) => entry.settle(decide(job, message, task, { kind: "error", error: toErrorInfo(error), autoRetry: false }, this.#app.clock)));
  }

  #onSettled(entry: RunningJob, outcome: Outcome | null): void {
    this.#running.remove(entry);
    if (entry.job.suspect) this.#suspects--;
    if (outcome) {
      const ms = performance.now() - entry.startedAt;
      this.#averageRunMs = this.#averageRunMs === undefined ? ms : this.#averageRunMs * 0.9 + ms * 0.1;
      this.#outcomes.record(entry.job, outcome, ms);
    }
    this.#startBuffered();
    this.#pump();
  }

  /** Runs the task's onFailure hook; its own errors are logged, never fatal. */
  #callOnFailure(error: { type: string; message: string }, message: Message): void {
    const hook = this.#app.registry.get(message.task)?.options.onFailure;
    if (!hook) return;
    const failed = { id: message.id, name: message.task, args: message.args, kwargs: message.kwargs, retries: message.retries };
    Promise.resolve().then(() => hook(error, failed)).catch((hookError) => {
      this.#logger.log("error", `The onFailure hook of task ${message.task} threw`, { id: message.id, error: String(hookError?.message ?? hookError) });
    });
  }

  /**
   * Stops consuming (see shutdown.ts): unstarted jobs go back to the queue at
   * once; running ones get `graceMs` to finish (or until stopNow()), after
   * which they are aborted and handed back uncharged. Safe to call twice.
   */
  stop(options: { graceMs?: number } = {}): Promise<StopReport> {
    this.#stopped ??= this.#shutdown(options.graceMs ?? this.#app.config.shutdownGraceMs);
    return this.#stopped;
  }

  /** Cuts the grace short (a second signal): running jobs are handed back now. */
  stopNow(): Promise<StopReport> {
    this.#cut?.();
    return this.stop();
  }

  async #shutdown(graceMs: number): Promise<StopReport> {
    this.#stopping = true;
    clearTimeout(this.#wakeTimer);
    this.#maintenance.stop();
    if (!this.#consuming) {
      // Stopped while still connecting or registering: nothing was claimed.
      this.#leases?.stop();
      await this.#pool.close();
      return { interrupted: 0, handedBack: 0, unstarted: 0 };
    }
    return await shutdownWorker({
      workerId: this.id,
      transport: this.#transport,
      logger: this.#logger,
      graceMs,
      cut: this.#cutRequested,
      unsubscribe: this.#unsubscribe,
      takeUnstarted: () => [...this.#buffer.splice(0), ...this.#gates.releaseAll()],
      running: this.#running,
      pool: this.#pool,
      outcomes: this.#outcomes,
      leases: this.#leases!,
      drainMs: Math.max(5_000, this.#app.config.heartbeatMs),
      finish: async () => {
        this.#events?.worker("worker-offline", { ...this.stats });
        await this.#events?.drain(1_000);
      },
    });
  }
}

function revokedOutcome(job: ClaimedJob, task: string, message: string): Outcome {
  return { kind: "complete", task, completion: { id: job.id, attempt: job.attempt, state: "REVOKED", error: { type: "TaskRevoked", message } } };
}
