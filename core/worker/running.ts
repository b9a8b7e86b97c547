/**
 * The jobs that hold a worker's slots: each from the moment it is taken out
 * of the buffer (its start mark may still be on its way) until it settles.
 * A job settles once: with an outcome to write, or dropped (handed back at
 * shutdown, or its lease lost), after which whatever its handler returns is
 * ignored.
 */
import type { RunSpan } from "../tracing.ts";
import type { ClaimedJob } from "../transport.ts";
import type { Outcome } from "./executor.ts";
import { LazyAbort } from "./lazy_abort.ts";

export class RunningJob {
  readonly controller = new LazyAbort();
  /** Revoked without terminate: let it finish, but never retry it. */
  revoked = false;
  /**
   * When its handler was called (performance.now()); unset while its start
   * mark is on its way. Run times are measured from here, not from
   * `startedAt`, which also counts the wait for a start mark (that wait grows
   * with the load on the database, and counting it made fast jobs look slow,
   * see JobRunner.startsAll).
   */
  handlerStartedAt?: number;
  /** Its run's span when tracing is on (core/tracing.ts): ended with its outcome. */
  span?: RunSpan;
  #settled = false;
  readonly #timers: ReturnType<typeof setTimeout>[] = [];

  constructor(
    readonly job: ClaimedJob,
    readonly startedAt: number,
    /** Frees the slot; `outcome` is written unless the job was dropped. */
    private readonly onSettle: (entry: RunningJob, outcome: Outcome | null) => void,
  ) {}

  /** Its handler was called. */
  get started(): boolean {
    return this.handlerStartedAt !== undefined;
  }

  get settled(): boolean {
    return this.#settled;
  }

  /** Starts a timer that dies with the job (time limits). */
  after(ms: number, fn: () => void): void {
    this.#timers.push(setTimeout(fn, ms));
  }

  /** Ends the job with `outcome`, unless it has already ended. */
  settle(outcome: Outcome): void {
    this.#end(outcome);
  }

  /** Ends the job without an outcome: it is no longer this worker's to finish. */
  drop(reason: Error): void {
    this.controller.abort(reason);
    this.#end(null);
  }

  #end(outcome: Outcome | null): void {
    if (this.#settled) return;
    this.#settled = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.onSettle(this, outcome);
  }
}

/** The running jobs by id, and a way to wait until there are none. */
export class RunningJobs {
  readonly #jobs = new Map<string, RunningJob>();
  #idle?: () => void;

  get size(): number {
    return this.#jobs.size;
  }

  get(id: string): RunningJob | undefined {
    return this.#jobs.get(id);
  }

  values(): RunningJob[] {
    return [...this.#jobs.values()];
  }

  add(entry: RunningJob): void {
    this.#jobs.set(entry.job.id, entry);
  }

  remove(entry: RunningJob): void {
    this.#jobs.delete(entry.job.id);
    if (this.#jobs.size === 0) this.#idle?.();
  }

  /** Resolves when no job is running (at once if none is). */
  idle(): Promise<void> {
    if (this.#jobs.size === 0) return Promise.resolve();
    return new Promise((resolve) => (this.#idle = resolve));
  }
}
