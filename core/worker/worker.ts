/**
 * The worker: claims jobs of the tasks it has (claims.ts), runs them in its
 * pool (job_runner.ts), writes their outcomes in batches (outcomes.ts), keeps
 * their leases (leases.ts) and stops in three steps (shutdown.ts). This
 * module wires those together and holds the jobs waiting for a slot.
 */
import type { App } from "../app.ts";
import { ConfigError, type ErrorInfo } from "../errors.ts";
import { rejectUnknownWorkerOptions } from "../known_options.ts";
import { EventSender } from "../events.ts";
import type { Logger } from "../logger.ts";
import { type Message, PROTOCOL_VERSION } from "../message.ts";
import { redactionRules } from "../redact.ts";
import { hostname, pid } from "../runtime.ts";
import { TQ_VERSION } from "../version.ts";
import type { ClaimedJob, ControlMessage, HeartbeatReply, JobToken, Transport, Unsubscribe, WorkerInfo, WorkerStatus } from "../transport.ts";
import { type ClaimFilter, claimFilterOf, hasLimits } from "./claim_filter.ts";
import { ClaimLoop } from "./claims.ts";
import { callOnFailure } from "./on_failure.ts";
import { workerCommands, workerIdentity } from "./commands.ts";
import { type HeldJobs, loseLease, revokeHeld } from "./interventions.ts";
import { JobRunner } from "./job_runner.ts";
import { LeaseKeeper } from "./leases.ts";
import { Maintenance } from "./maintenance.ts";
import { OutcomeWriter, type WorkerStats } from "./outcomes.ts";
import { createPool } from "./pool/mod.ts";
import type { HandlerPool, PoolKind } from "./pool/pool.ts";
import { RateGates } from "./rate_gate.ts";
import { RemoteControl } from "./remote_control.ts";
import { RunningJobs } from "./running.ts";
import { shutdownWorker, type StopReport } from "./shutdown.ts";
import { StartMarks } from "./start_marks.ts";
import { TaskSettingsView } from "./task_settings.ts";
import { WaitingJobs } from "./waiting_jobs.ts";
import { WorkerEvents } from "./worker_events.ts";
import { requireInstalled } from "../inspect.ts";
import { telemetryEmitter } from "../telemetry.ts";
import type { WorkerOptions } from "./worker_options.ts";

export type { StopReport } from "./shutdown.ts";
export type { WorkerStats } from "./outcomes.ts";
export type { WorkerOptions } from "./worker_options.ts";

/**
 * Claims and runs an app's jobs, as `tq worker` does: `start()` begins
 * consuming its queues, `stop()` ends it gracefully.
 */
export class Worker {
  /** "host:pid:random", unique per worker: how inspection and control name it. */
  readonly id: string;
  /** The queues it consumes. */
  readonly queues: string[];
  /** How many handlers it runs at once. */
  readonly concurrency: number;
  /** How many jobs it may claim beyond its free slots. */
  readonly prefetch: number;
  readonly #app: App;
  readonly #logger: Logger;
  readonly #waiting: WaitingJobs;
  readonly #running = new RunningJobs();
  readonly #outcomes: OutcomeWriter;
  readonly #pool: HandlerPool;
  readonly #gates: RateGates;
  readonly #settings: TaskSettingsView;
  readonly #claims: ClaimLoop;
  readonly #runner: JobRunner;
  readonly #maintenance: Maintenance;
  readonly #control: RemoteControl;
  readonly #events?: WorkerEvents;
  #transport!: Transport;
  #leases?: LeaseKeeper;
  #marks?: StartMarks;
  #settingsAt: number | null = null;
  #filter?: ClaimFilter;
  #stopping = false;
  #consuming = false;
  #stopped?: Promise<StopReport>;
  #cut!: () => void;
  readonly #cutRequested = new Promise<void>((resolve) => (this.#cut = resolve));
  readonly #unsubscribe: Unsubscribe[] = [];

  /** Connects to nothing until start(); throws ConfigError naming a bad option. */
  constructor(app: App, options: WorkerOptions = {}) {
    rejectUnknownWorkerOptions(options);
    const config = app.config;
    this.#app = app;
    this.#logger = options.logger ?? app.logger;
    this.queues = options.queues?.length ? [...new Set(options.queues)] : [config.defaultQueue];
    this.concurrency = options.concurrency ?? config.concurrency;
    this.prefetch = options.prefetch ?? config.prefetch;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) throw new ConfigError(`Worker option "concurrency" must be a positive integer, got ${this.concurrency}.`);
    if (!Number.isInteger(this.prefetch) || this.prefetch < 0) throw new ConfigError(`Worker option "prefetch" must be a non-negative integer, got ${this.prefetch}.`);
    this.id = `${hostname()}:${pid}:${crypto.randomUUID().slice(0, 8)}`;
    const transport = () => this.#transport;
    const logger = this.#logger;
    // What happens to each job, for the events table (-E) and for a telemetry listener (--metrics-port).
    const sender = options.events ?? config.events ? new EventSender({ transport, clock: app.clock, logger, worker: this.id }) : undefined;
    const telemetry = telemetryEmitter(options.telemetry, logger);
    if (sender || telemetry) this.#events = new WorkerEvents(sender, app.clock, telemetry);
    const ttls = { resultTtlMs: config.resultTtlMs, failedTtlMs: config.failedTtlMs };
    const onFailed = (error: ErrorInfo, message: Message) => callOnFailure(app.registry, logger, error, message);
    // Under a concurrency limit, a place frees when the outcome is written: claim again then, not at the next poll.
    const onWritten = () => this.#filter && hasLimits(this.#filter.limits) && this.#claims.wake();
    // Message signing (docs/security.md): claims are screened, and what completions send is signed.
    const { screen, signCompletion } = app.security.forWorker(transport, logger);
    this.#outcomes = new OutcomeWriter({ transport, maxBatch: config.batchSize, ttls, logger, events: this.#events, onFailed, onWritten, signCompletion });
    this.#maintenance = new Maintenance(transport, ttls, config.maintenanceMs, logger, telemetry);
    this.#pool = createPool(options.pool ?? "async", { registry: app.registry, concurrency: this.concurrency, appModule: options.appModule, logger });
    this.#gates = new RateGates({
      takeCluster: (task, count, rate) => this.#transport.rateTake({ task, count, perMs: rate.perMs, capacity: rate.capacity }),
      wake: () => this.#slotFree(),
      logger,
    });
    this.#settings = new TaskSettingsView(transport, app.registry, this.#gates, logger);
    this.#waiting = new WaitingJobs(this.#gates);
    this.#runner = new JobRunner({
      workerId: this.id,
      registry: app.registry,
      clock: app.clock,
      launchContext: (parent) => app.launchContext(parent),
      transport,
      pool: this.#pool,
      running: this.#running,
      outcomes: this.#outcomes,
      settings: this.#settings,
      marks: () => this.#marks!,
      events: this.#events,
      logger,
      waitingJobs: () => this.#waiting.all(),
      claimLanded: () => this.#claims.inFlight,
      onSlotFree: () => this.#slotFree(),
    });
    const claimFilter = () => this.#claimFilter();
    this.#claims = new ClaimLoop({
      transport,
      workerId: this.id,
      queues: this.queues,
      concurrency: this.concurrency,
      prefetch: this.prefetch,
      leaseMs: config.leaseMs,
      batchSize: config.batchSize,
      pollIntervalMs: config.pollIntervalMs,
      get tasks() { return claimFilter().tasks; },
      get maxAttempts() { return claimFilter().maxAttempts; },
      get earlyAckTasks() { return claimFilter().earlyAckTasks; },
      get limits() { return claimFilter().limits; },
      knownIds: () => this.#heldJobs().map((job) => job.id),
      occupancy: () => ({ running: this.#running.size, buffered: this.#waiting.buffered.length, waiting: this.#waiting.count }),
      startsAll: () => this.#runner.startsAll(),
      screen,
      accept: (jobs) => this.#accept(jobs),
      giveBack: (jobs) => this.#giveBack(jobs),
      logger,
    });
    this.#control = new RemoteControl(this.id, transport, workerCommands({
      queues: this.queues,
      concurrency: this.concurrency,
      pool: this.#pool.kind,
      startedAt: Date.now(),
      status: () => this.#status(),
      discarded: () => this.stats.discarded,
      running: this.#running,
      buffered: () => [...this.#waiting.buffered],
      rateLimited: () => this.#gates.heldJobs(),
      tasks: () => app.registry.names(),
      shutdown: () => {
        logger.log("info", "Shutdown requested by tq control");
        if (options.onShutdownRequest) options.onShutdownRequest();
        else void this.stop();
      },
      wake: () => this.#claims.wake(),
    }), logger);
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

  /** Connects, migrates (with migrate off only checks the schema: docs/security.md), registers, and consumes; resolves once consuming. */
  async start(): Promise<void> {
    await this.#app.ready();
    this.#transport = this.#app.transport;
    await (this.#app.config.migrate ? this.#transport.migrate() : requireInstalled(this.#transport, `schema "${this.#app.config.schema}"`));
    // Jobs sent by name without the code are redacted by the rules of the tasks this worker has (docs/security.md).
    await this.#transport.taskRedactionPutMany(redactionRules(this.#app.registry.all()));
    if (this.#stopping) return;
    const config = this.#app.config;
    const transport = () => this.#transport;
    const info: WorkerInfo = { id: this.id, app: this.#app.name, host: hostname(), pid, queues: this.queues, concurrency: this.concurrency,
      tasks: this.#app.registry.names(), version: TQ_VERSION, protocol: PROTOCOL_VERSION, limits: this.#claimFilter().limits };
    this.#marks = new StartMarks({ transport, workerId: this.id, leaseMs: config.leaseMs, maxBatch: config.batchSize, logger: this.#logger });
    this.#leases = new LeaseKeeper({
      transport,
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
        if (queue === "*" || this.queues.includes(queue)) this.#claims.wake();
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
    this.#events?.worker("worker-online", workerIdentity({ queues: this.queues, concurrency: this.concurrency, pool: this.#pool.kind }));
    this.#logger.log("info", `Worker ${this.id} consuming ${this.queues.join(", ")}`, {
      worker: this.id,
      queues: this.queues,
      concurrency: this.concurrency,
      pool: this.#pool.kind,
      tasks: info.tasks,
    });
    this.#claims.start();
  }

  #status(): WorkerStatus {
    const { succeeded, failed, retried } = this.stats;
    return { pool: this.#pool.kind, prefetch: this.#claims.window, running: this.#running.size, succeeded, failed, retried, events: this.#events?.stored ?? false };
  }

  #reloadSettings(): void {
    this.#settings.load().then(() => {
      this.#handBackPaused(this.#waiting.takeWhere((job) => this.#settings.isPaused(job)));
      this.#claims.wake();
    }, (error) => {
      this.#logger.log("warn", "Reloading task settings failed; the next heartbeat tries again", { error: String(error?.message ?? error) });
      this.#settingsAt = null;
    });
  }

  #onControl(message: ControlMessage): void {
    if (message.type === "revoke") {
      for (const id of message.ids) revokeHeld(this.#held, id, message.terminate);
    } else if (message.type === "settings") {
      this.#reloadSettings();
    } else if (message.type === "command") {
      this.#control.poke();
    }
  }

  /** What a heartbeat reports: leases lost, and what notifications may have missed. */
  #onHeartbeat(reply: HeartbeatReply): void {
    for (const token of reply.lost) loseLease(this.#held, token);
    for (const { id, terminate } of reply.revoked) revokeHeld(this.#held, id, terminate);
    this.#control.poke(reply.commandsPending);
    if (reply.settingsAt !== this.#settingsAt) {
      this.#settingsAt = reply.settingsAt;
      this.#reloadSettings();
    }
  }

  /** What claims name, computed once after app.ready(), so tasks an init hook registers (app.autodiscoverTasks) count. */
  #claimFilter(): ClaimFilter {
    return (this.#filter ??= claimFilterOf(this.#app.registry.all(), this.#app.config.queueConcurrencyLimits, this.#app.config.queueGroupConcurrency));
  }

  /** The jobs revokes and lost leases act on. */
  get #held(): HeldJobs {
    return { running: this.#running, waiting: this.#waiting, pool: this.#pool, outcomes: this.#outcomes, events: this.#events, logger: this.#logger };
  }

  /** Every job this worker holds a lease on: running, waiting, or with its outcome unwritten (so an outage cannot lose a success). */
  #heldJobs(): JobToken[] {
    const claimed = [...this.#running.values().map(({ job }) => job), ...this.#waiting.all()];
    return [...claimed.map(({ id, attempt }) => ({ id, attempt })), ...this.#outcomes.unwritten()];
  }

  /** Gives claimed jobs of a paused queue or task back to the queue, uncharged: they did not start. */
  #handBackPaused(jobs: ClaimedJob[]): void {
    if (jobs.length === 0) return;
    this.#logger.log("info", `Handing back ${jobs.length} claimed job(s) of a paused queue or task`, { jobs: jobs.length });
    this.#giveBack(jobs);
  }

  /** Claimed jobs back to the queue uncharged; a failure leaves them to their lease. */
  #giveBack(jobs: ClaimedJob[]): void {
    void this.#transport.jobReleaseMany(jobs.map(({ id, attempt }) => ({ id, attempt })), this.id).catch(() => {});
  }

  #accept(claimed: ClaimedJob[]): void {
    // A claim that began before a pause committed may still bring its jobs.
    const jobs: ClaimedJob[] = [];
    const paused: ClaimedJob[] = [];
    for (const job of claimed) (this.#settings.isPaused(job) ? paused : jobs).push(job);
    this.#handBackPaused(paused);
    this.#waiting.add(jobs);
    if (this.#events) for (const job of jobs) this.#events.received(job);
    this.#startWaiting();
  }

  #slotFree(): void {
    this.#startWaiting();
    this.#claims.pump();
  }

  /** Starts waiting jobs while slots are free. */
  #startWaiting(): void {
    while (!this.#stopping && this.#running.size < this.concurrency) {
      const job = this.#waiting.next();
      if (!job) return;
      this.#runner.run(job);
    }
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
    this.#cut();
    return this.stop();
  }

  async #shutdown(graceMs: number): Promise<StopReport> {
    this.#stopping = true;
    this.#claims.stop();
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
      takeUnstarted: () => this.#waiting.takeAll(),
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
