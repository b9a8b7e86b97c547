/**
 * The worker: claims jobs in batches up to its free slots plus prefetch,
 * runs them concurrently in the event loop, writes outcomes in batches,
 * renews its leases, sweeps expired leases and results, and stops
 * gracefully: it stops claiming, hands unstarted jobs back, and lets running
 * ones finish within a grace period.
 */
import type { App } from "../app.ts";
import { ConfigError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { hostname, pid } from "../runtime.ts";
import type { ClaimedJob, Completion, RetryRequest, Transport, Unsubscribe, WorkerInfo } from "../transport.ts";
import { Batcher } from "./batcher.ts";
import { executeJob, type Outcome } from "./executor.ts";

export interface WorkerOptions {
  /** Queues to consume; the app's default queue when omitted. */
  queues?: string[];
  concurrency?: number;
  prefetch?: number;
  /** Logger for task lines (info) and problems; the app's logger when omitted. */
  logger?: Logger;
}

interface RunningJob {
  job: ClaimedJob;
  controller: AbortController;
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
  readonly #running = new Map<string, RunningJob>();
  readonly #completions: Batcher<Completion>;
  readonly #retries: Batcher<RetryRequest>;
  #transport!: Transport;
  #info!: WorkerInfo;
  #claiming = false;
  #drained = false;
  #stopping = false;
  #stopped?: Promise<void>;
  #wakeTimer?: ReturnType<typeof setTimeout>;
  #heartbeatTimer?: ReturnType<typeof setTimeout>;
  #maintenanceTimer?: ReturnType<typeof setTimeout>;
  #unsubscribe?: Unsubscribe;
  #idle?: () => void;
  #claimFailures = 0;

  constructor(app: App, options: WorkerOptions = {}) {
    const config = app.config;
    this.#app = app;
    this.#logger = options.logger ?? app.logger;
    this.queues = options.queues?.length ? [...new Set(options.queues)] : [config.defaultQueue];
    this.concurrency = options.concurrency ?? config.concurrency;
    this.prefetch = options.prefetch ?? config.prefetch;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) throw new ConfigError(`Worker option "concurrency" must be a positive integer, got ${this.concurrency}.`);
    if (!Number.isInteger(this.prefetch) || this.prefetch < 0) throw new ConfigError(`Worker option "prefetch" must be a non-negative integer, got ${this.prefetch}.`);
    this.id = `${hostname()}:${pid}:${crypto.randomUUID().slice(0, 8)}`;
    const maxBatch = config.batchSize;
    this.#completions = new Batcher({
      name: "completions",
      maxBatch,
      logger: this.#logger,
      write: async (items) => void await this.#transport.jobCompleteMany(items, config.resultTtlMs),
    });
    this.#retries = new Batcher({ name: "retries", maxBatch, logger: this.#logger, write: (items) => this.#transport.jobRetryMany(items) });
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
    await this.#transport.workerHeartbeat(this.#info, this.#app.config.leaseMs);
    try {
      this.#unsubscribe = await this.#transport.subscribeJobs((queue) => {
        if (queue === "*" || this.queues.includes(queue)) this.#wake();
      });
    } catch (error) {
      this.#logger.log("warn", "Listening for new jobs failed; polling instead", { error: String(error) });
    }
    this.#scheduleHeartbeat();
    this.#scheduleMaintenance(0);
    this.#logger.log("info", `Worker ${this.id} consuming ${this.queues.join(", ")}`, {
      worker: this.id,
      queues: this.queues,
      concurrency: this.concurrency,
      tasks: this.#info.tasks,
    });
    this.#wake();
  }

  #wake(): void {
    this.#drained = false;
    this.#pump();
  }

  /** Claims when there is room: at once when the buffer is empty, else once half the prefetch is free. */
  #pump(): void {
    if (this.#stopping || this.#claiming || this.#drained) return;
    const room = this.concurrency + this.prefetch - this.#running.size - this.#buffer.length;
    if (room <= 0 || (this.#buffer.length > 0 && room < Math.max(1, this.prefetch >> 1))) return;
    const limit = Math.min(room, this.#app.config.batchSize);
    this.#claiming = true;
    this.#transport.jobClaim({ queues: this.queues, limit, workerId: this.id, leaseMs: this.#app.config.leaseMs }).then(
      (jobs) => {
        this.#claimFailures = 0;
        this.#buffer.push(...jobs);
        this.#startBuffered();
        if (jobs.length < limit) {
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

  #startBuffered(): void {
    while (!this.#stopping && this.#running.size < this.concurrency && this.#buffer.length) {
      this.#run(this.#buffer.shift()!);
    }
  }

  #run(job: ClaimedJob): void {
    const controller = new AbortController();
    this.#running.set(job.id, { job, controller });
    const started = performance.now();
    executeJob(job, controller.signal, { registry: this.#app.registry, clock: this.#app.clock }).then((outcome) => {
      this.#record(job, outcome, performance.now() - started);
      this.#running.delete(job.id);
      if (this.#running.size === 0) this.#idle?.();
      this.#startBuffered();
      this.#pump();
    });
  }

  #record(job: ClaimedJob, outcome: Outcome, ms: number): void {
    const fields: Record<string, unknown> = { task: outcome.task, id: job.id, attempt: job.attempt, ms: Math.round(ms * 100) / 100 };
    if (outcome.kind === "retry") {
      this.stats.retried++;
      this.#retries.add(outcome.retry);
      this.#logger.log("info", `Task ${outcome.task}[${job.id}] retry in ${outcome.retry.delayMs} ms`, { ...fields, state: "RETRY", error: outcome.error.message });
      return;
    }
    const { completion } = outcome;
    if (completion.state === "SUCCESS") this.stats.succeeded++;
    else this.stats.failed++;
    this.#completions.add(completion);
    const level = completion.state === "SUCCESS" ? "info" : "warn";
    const error = completion.error ? { error: `${completion.error.type}: ${completion.error.message}` } : {};
    this.#logger.log(level, `Task ${outcome.task}[${job.id}] ${completion.state.toLowerCase()} in ${fields.ms} ms`, { ...fields, state: completion.state, ...error });
  }

  #scheduleHeartbeat(): void {
    this.#heartbeatTimer = setTimeout(async () => {
      try {
        await this.#transport.workerHeartbeat(this.#info, this.#app.config.leaseMs);
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
        const { requeued, failed } = await this.#transport.jobRescueExpired(this.#app.config.resultTtlMs);
        if (requeued || failed) this.#logger.log("warn", "Rescued jobs whose worker stopped renewing their lease", { requeued, failed });
        await this.#transport.resultCleanExpired();
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
    const unstarted = this.#buffer.splice(0);
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
    const drainMs = Math.max(5_000, this.#app.config.heartbeatMs);
    const left = (await this.#completions.drain(drainMs)) + (await this.#retries.drain(drainMs));
    if (left) this.#logger.log("error", "Some outcomes could not be written; those jobs run again when their lease expires", { left });
    clearTimeout(this.#heartbeatTimer);
    try {
      await this.#transport.workerRemove(this.id);
    } catch {
      // The row ages out of inspection by its heartbeat time.
    }
    this.#logger.log("info", `Worker ${this.id} stopped`, { ...this.stats });
  }
}
