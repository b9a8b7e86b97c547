/**
 * A worker's claim loop: claims jobs of its tasks when it has room (free
 * slots plus a prefetch window that adapts to how fast jobs run), one claim
 * in flight at a time; sleeps until the earliest delayed job, a wake-up
 * notification or the poll interval; backs off while claims fail.
 */
import type { Logger } from "../logger.ts";
import type { ClaimedJob, ConcurrencyLimits, Transport } from "../transport.ts";

/** Shortest wait before claiming again when ready jobs were all locked by other workers. */
const MIN_REPOLL_MS = 25;

/** What the claim loop needs from its worker. */
export interface ClaimHost {
  transport(): Transport;
  workerId: string;
  queues: string[];
  concurrency: number;
  prefetch: number;
  leaseMs: number;
  batchSize: number;
  pollIntervalMs: number;
  /** The tasks the worker has: only their jobs are claimed. */
  tasks: string[];
  /** Each task's declared attempts, for messages that set no maxRetries. */
  maxAttempts: Record<string, number>;
  /** Tasks that acknowledge early (acksLate: false). */
  earlyAckTasks: string[];
  /** Cluster-wide concurrency limits of the worker's tasks and queues; none when both are empty. */
  limits: ConcurrencyLimits;
  /** Every job id the worker holds in memory (running, waiting, or with an outcome unwritten). */
  knownIds(): string[];
  /** Jobs running, and jobs claimed but waiting (buffered or held by a rate limit). */
  occupancy(): { running: number; buffered: number; waiting: number };
  /** True when every job of a claim may be marked started by the claim (see Worker). */
  startsAll(): boolean;
  /** Checks claimed jobs' signatures before they may start (core/security/screen.ts); absent when not verifying. */
  screen?(jobs: ClaimedJob[]): Promise<void>;
  /** Takes claimed jobs in claim order. */
  accept(jobs: ClaimedJob[]): void;
  /** Gives back jobs whose claim landed after the stop began. */
  giveBack(jobs: ClaimedJob[]): void;
  logger: Logger;
}

export class ClaimLoop {
  /** Jobs claimed beyond free slots: starts at prefetch and adapts (see #adaptWindow). */
  #window: number;
  #claiming = false;
  #wokenDuringClaim = false;
  #drained = false;
  #running = false;
  #failures = 0;
  /** Polls in a row that found due jobs it could not claim (see #sleepUntilReady). */
  #dueUnclaimed = 0;
  /** A claim failed: it may have committed with its answer lost, so look for its jobs first. */
  #recover = false;
  #timer?: ReturnType<typeof setTimeout>;
  #inFlight: Promise<void> = Promise.resolve();
  /** Per queue, the group the last claim ended on: groups take turns in name order from there. */
  #groupCursor: Record<string, string> = {};

  constructor(private readonly host: ClaimHost) {
    this.#window = host.prefetch;
  }

  /** The prefetch window now. */
  get window(): number {
    return this.#window;
  }

  /** Settles once the claim in flight (if any) has landed. */
  get inFlight(): Promise<void> {
    return this.#inFlight;
  }

  start(): void {
    this.#running = true;
    this.wake();
  }

  stop(): void {
    this.#running = false;
    clearTimeout(this.#timer);
  }

  /** Jobs may be ready: claim as soon as there is room. */
  wake(): void {
    this.#drained = false;
    // A job announced while a claim is in flight may have missed that claim's snapshot: claim again after it.
    if (this.#claiming) this.#wokenDuringClaim = true;
    this.pump();
  }

  /** Claims when there is room: at once when the buffer is empty, else once half the window is free. */
  pump(): void {
    if (!this.#running || this.#claiming || this.#drained) return;
    const host = this.host;
    const { running, buffered, waiting } = host.occupancy();
    const room = host.concurrency + this.#window - running - waiting;
    if (room <= 0 || (buffered > 0 && room < Math.max(1, this.#window >> 1))) return;
    const limit = Math.min(room, host.batchSize);
    this.#claiming = true;
    this.#wokenDuringClaim = false;
    this.#inFlight = this.#recovered().then(() => host.transport().jobClaim({
      queues: host.queues,
      limit,
      workerId: host.workerId,
      leaseMs: host.leaseMs,
      tasks: host.tasks,
      maxAttempts: host.maxAttempts,
      startNow: host.startsAll() ? limit : Math.max(0, host.concurrency - running - waiting),
      earlyAckTasks: host.earlyAckTasks,
      limits: host.limits,
      groupCursor: this.#groupCursor,
    })).then(async (claim) => {
      // A screen that fails (the database went away) fails the claim: its jobs are taken back, and screened, once it is back.
      await host.screen?.(claim.jobs);
      return claim;
    }).then(
      ({ jobs, groupCursor }) => {
        this.#groupCursor = { ...this.#groupCursor, ...groupCursor };
        this.#landed(jobs, limit);
      },
      (error) => {
        this.#failures++;
        this.#recover = true;
        this.#drained = true;
        // Short and capped, with jitter: the server is usually back within seconds.
        const delay = Math.min(1_000, 50 * 2 ** this.#failures) * (0.5 + Math.random() / 2);
        host.logger.log("warn", "Claiming jobs failed; retrying", { error: String(error?.message ?? error), inMs: delay });
        this.#setTimer(delay);
      },
    ).finally(() => {
      this.#claiming = false;
      this.pump();
    });
  }

  /**
   * After a failed claim: takes the jobs the database says this worker holds
   * but it does not know (a claim that committed while its answer was lost),
   * so they run now instead of waiting for their lease.
   */
  async #recovered(): Promise<void> {
    if (!this.#recover) return;
    const jobs = await this.host.transport().jobHeldBy(this.host.workerId, this.host.knownIds());
    await this.host.screen?.(jobs);
    this.#recover = false;
    if (jobs.length === 0) return;
    this.host.logger.log("info", `Took back ${jobs.length} job(s) of a claim whose answer was lost`, { jobs: jobs.length });
    if (this.#running) this.host.accept(jobs);
    else this.host.giveBack(jobs);
  }

  #landed(jobs: ClaimedJob[], limit: number): void {
    this.#failures = 0;
    if (jobs.length > 0) this.#dueUnclaimed = 0;
    if (!this.#running) {
      this.host.giveBack(jobs);
      return;
    }
    this.#adaptWindow(jobs.length === limit);
    this.host.accept(jobs);
    if (jobs.length < limit && !this.#wokenDuringClaim) {
      this.#drained = true;
      this.#sleepUntilReady();
    }
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
    const { prefetch, concurrency, batchSize } = this.host;
    if (prefetch === 0) return;
    const { running, buffered } = this.host.occupancy();
    const starved = buffered === 0 && running < concurrency;
    if (full && starved) this.#window = Math.min(batchSize, this.#window * 2);
    else if (buffered >= this.#window >> 1) this.#window = Math.max(prefetch, Math.floor(this.#window * 0.75));
  }

  /**
   * Sleeps until the earliest delayed job is due, or the poll interval,
   * whichever is first. Jobs that are due yet were not claimed (other
   * workers hold them, their task is paused or at its concurrency limit, or
   * this worker lacks their task) are asked for again after MIN_REPOLL_MS,
   * doubling while that keeps happening, up to the poll interval.
   */
  #sleepUntilReady(): void {
    const poll = this.host.pollIntervalMs;
    this.host.transport().jobNextReadyIn(this.host.queues).then(
      (waitMs) => {
        if (waitMs === null || waitMs > 0) this.#dueUnclaimed = 0;
        if (waitMs === null) return this.#setTimer(poll);
        const repoll = MIN_REPOLL_MS * 2 ** Math.min(this.#dueUnclaimed, 10);
        if (waitMs <= 0) this.#dueUnclaimed++;
        this.#setTimer(Math.min(poll, Math.max(repoll, Math.ceil(waitMs))));
      },
      () => this.#setTimer(poll),
    );
  }

  #setTimer(ms: number): void {
    if (!this.#running) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.wake(), ms);
  }
}
