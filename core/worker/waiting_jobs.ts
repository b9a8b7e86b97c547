/**
 * The claimed jobs that wait for a slot: the prefetch buffer, in claim
 * order, and the jobs of rate-limited tasks held by their gates until the
 * limit lets them start. Their leases are the worker's to keep.
 */
import type { ClaimedJob } from "../transport.ts";
import { taskOf } from "./executor.ts";
import type { RateGates } from "./rate_gate.ts";

export class WaitingJobs {
  readonly #buffer: ClaimedJob[] = [];

  constructor(private readonly gates: RateGates) {}

  /** Jobs in the prefetch buffer. */
  get buffered(): readonly ClaimedJob[] {
    return this.#buffer;
  }

  /** Buffered and held jobs. */
  get count(): number {
    return this.#buffer.length + this.gates.heldCount;
  }

  /** Every waiting job: buffered, then held by a rate limit. */
  all(): ClaimedJob[] {
    return [...this.#buffer, ...this.gates.heldJobs()];
  }

  add(jobs: ClaimedJob[]): void {
    this.#buffer.push(...jobs);
  }

  /**
   * The next job that may start: a held job its limit now admits, else the
   * next buffered job whose task has no rate limit (jobs of limited tasks
   * move to their gate on the way).
   */
  next(): ClaimedJob | undefined {
    const admitted = this.gates.next();
    if (admitted) return admitted;
    while (this.#buffer.length) {
      const job = this.#buffer.shift()!;
      const task = taskOf(job);
      if (!this.gates.limits(task)) return job;
      this.gates.hold(task, job);
      const next = this.gates.next();
      if (next) return next;
    }
    return undefined;
  }

  /** Takes the waiting job `id` out (revoked, or its lease lost); undefined if it does not wait here. */
  take(id: string): ClaimedJob | undefined {
    const held = this.gates.remove(id);
    if (held) return held;
    const index = this.#buffer.findIndex((job) => job.id === id);
    return index >= 0 ? this.#buffer.splice(index, 1)[0] : undefined;
  }

  /** Puts a job taken by mistake back at the front. */
  putBack(job: ClaimedJob): void {
    this.#buffer.unshift(job);
  }

  /** Removes and returns the waiting jobs `matches` picks (those of a queue or task just paused). */
  takeWhere(matches: (job: ClaimedJob) => boolean): ClaimedJob[] {
    const taken = this.all().filter(matches);
    for (const job of taken) this.take(job.id);
    return taken;
  }

  /** Removes and returns every waiting job (a stopping worker hands them back). */
  takeAll(): ClaimedJob[] {
    return [...this.#buffer.splice(0), ...this.gates.releaseAll()];
  }
}
