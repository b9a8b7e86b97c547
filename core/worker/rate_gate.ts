/**
 * Holds back jobs of rate-limited tasks until they may start. A task can
 * have a per-worker limit (a local token bucket, Celery's semantics) and a
 * cluster-wide one (a token bucket in the database shared by every worker);
 * a job starts when both allow it. Held jobs stay claimed by this worker, so
 * their leases are renewed while they wait.
 */
import type { Logger } from "../logger.ts";
import { type ParsedRate, TokenBucket } from "../rate.ts";
import type { ClaimedJob } from "../transport.ts";

export interface TaskRates {
  local?: ParsedRate;
  cluster?: ParsedRate;
}

export interface RateGateDeps {
  /** Takes up to `count` tokens from the task's cluster-wide bucket. */
  takeCluster(task: string, count: number, rate: ParsedRate): Promise<{ granted: number; waitMs: number }>;
  /** Called when held jobs may be able to start. */
  wake(): void;
  logger: Logger;
}

interface Gate {
  local?: TokenBucket;
  cluster?: ParsedRate;
  /** Cluster tokens taken from the database and not yet used. */
  clusterTokens: number;
  fetching: boolean;
  held: ClaimedJob[];
  timer?: ReturnType<typeof setTimeout>;
}

/** Cluster tokens fetched ahead at most: a worker never sits on more than this many. */
const MAX_CLUSTER_FETCH = 50;

export class RateGates {
  readonly #deps: RateGateDeps;
  readonly #gates = new Map<string, Gate>();
  /** Jobs whose task lost its limit while they were held: free to start. */
  readonly #orphans: ClaimedJob[] = [];

  constructor(deps: RateGateDeps) {
    this.#deps = deps;
  }

  /** Sets (or with no rates, removes) a task's limits. Held jobs stay held. */
  configure(task: string, rates: TaskRates): void {
    const gate = this.#gates.get(task);
    if (!rates.local && !rates.cluster) {
      if (gate) {
        this.#gates.delete(task);
        clearTimeout(gate.timer);
        if (gate.held.length) this.#orphans.push(...gate.held.splice(0));
        this.#deps.wake();
      }
      return;
    }
    const next: Gate = gate ?? { clusterTokens: 0, fetching: false, held: [] };
    if (next.local?.rate.text !== rates.local?.text) next.local = rates.local && new TokenBucket(rates.local);
    next.cluster = rates.cluster;
    if (!rates.cluster) next.clusterTokens = 0;
    this.#gates.set(task, next);
  }

  /** True when a job of `task` would be checked here. */
  limits(task: string): boolean {
    return this.#gates.has(task);
  }

  /** Jobs held now, over all tasks. */
  get heldCount(): number {
    let count = this.#orphans.length;
    for (const gate of this.#gates.values()) count += gate.held.length;
    return count;
  }

  /** Every held job. */
  heldJobs(): ClaimedJob[] {
    return [...this.#orphans, ...[...this.#gates.values()].flatMap((gate) => gate.held)];
  }

  /** Queues a job of a limited task behind the ones already held. */
  hold(task: string, job: ClaimedJob): void {
    this.#gates.get(task)!.held.push(job);
  }

  /** Takes the next held job allowed to start now, or undefined; arranges a wake-up for the rest. */
  next(): ClaimedJob | undefined {
    if (this.#orphans.length) return this.#orphans.shift();
    for (const [task, gate] of this.#gates) {
      if (gate.held.length && this.#admit(task, gate)) return gate.held.shift();
    }
    return undefined;
  }

  #admit(task: string, gate: Gate): boolean {
    const localWait = gate.local ? gate.local.wait() : 0;
    if (localWait > 0) {
      this.#wakeIn(gate, localWait);
      return false;
    }
    if (gate.cluster && gate.clusterTokens < 1) {
      this.#fetch(task, gate);
      return false;
    }
    gate.local?.take();
    if (gate.cluster) gate.clusterTokens--;
    return true;
  }

  #fetch(task: string, gate: Gate): void {
    if (gate.fetching || !gate.cluster) return;
    gate.fetching = true;
    const rate = gate.cluster;
    const count = Math.max(1, Math.min(gate.held.length, MAX_CLUSTER_FETCH, rate.capacity));
    this.#deps.takeCluster(task, count, rate).then(
      ({ granted, waitMs }) => {
        gate.fetching = false;
        gate.clusterTokens += granted;
        if (granted > 0) this.#deps.wake();
        else this.#wakeIn(gate, Math.max(5, waitMs));
      },
      (error) => {
        gate.fetching = false;
        this.#deps.logger.log("warn", `Taking cluster rate-limit tokens for ${task} failed; trying again`, { error: String(error?.message ?? error) });
        this.#wakeIn(gate, 500);
      },
    );
  }

  #wakeIn(gate: Gate, ms: number): void {
    if (gate.timer) return;
    gate.timer = setTimeout(() => {
      gate.timer = undefined;
      this.#deps.wake();
    }, ms);
  }

  /** Removes and returns every held job (shutdown hands them back). */
  releaseAll(): ClaimedJob[] {
    const jobs = this.#orphans.splice(0);
    for (const gate of this.#gates.values()) {
      clearTimeout(gate.timer);
      gate.timer = undefined;
      jobs.push(...gate.held.splice(0));
    }
    return jobs;
  }

  /** Takes a held job out (revoked while it waited); undefined if it is not held here. */
  remove(jobId: string): ClaimedJob | undefined {
    for (const list of [this.#orphans, ...[...this.#gates.values()].map((g) => g.held)]) {
      const index = list.findIndex((job) => job.id === jobId);
      if (index >= 0) return list.splice(index, 1)[0];
    }
    return undefined;
  }
}
