/**
 * Keeps a worker's leases: one heartbeat statement renews the lease of every
 * job the worker holds (running, buffered, held by a rate limit, or finished
 * with its outcome not yet written) and refreshes the worker's row. What the
 * reply brings back (leases it could not renew, revokes and commands missed
 * between notifications) goes to the worker.
 */
import type { Logger } from "../logger.ts";
import type { HeartbeatReply, JobToken, Transport, WorkerInfo, WorkerStatus } from "../transport.ts";

/** Wait before the next try after a failed heartbeat (or the heartbeat period, if shorter). */
const RETRY_MS = 1_000;

export interface LeaseKeeperOptions {
  transport: () => Transport;
  info: WorkerInfo;
  leaseMs: number;
  heartbeatMs: number;
  /** Every job whose lease is to be renewed now. */
  held(): JobToken[];
  status(): WorkerStatus;
  onReply(reply: HeartbeatReply): void;
  /** After each successful heartbeat (for the worker-heartbeat event). */
  onBeat?(): void;
  logger: Logger;
}

export class LeaseKeeper {
  readonly #options: LeaseKeeperOptions;
  #timer?: ReturnType<typeof setTimeout>;
  #stopped = false;

  constructor(options: LeaseKeeperOptions) {
    this.#options = options;
  }

  /** One heartbeat now: registers the worker, renews the leases; returns the reply. */
  async beat(): Promise<HeartbeatReply> {
    const { transport, info, leaseMs, held, status } = this.#options;
    return await transport().workerHeartbeat(info, leaseMs, held(), status());
  }

  /** Heartbeats every `heartbeatMs` until stop(). */
  start(): void {
    this.#stopped = false;
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #schedule(delayMs = this.#options.heartbeatMs): void {
    this.#timer = setTimeout(async () => {
      let next = this.#options.heartbeatMs;
      try {
        const reply = await this.beat();
        if (this.#stopped) return;
        this.#options.onReply(reply);
        this.#options.onBeat?.();
      } catch (error) {
        // Try again soon: leases are renewed as soon as the server is back.
        next = Math.min(next, RETRY_MS);
        this.#options.logger.log("warn", "Heartbeat failed; leases may expire if this goes on", { error: String((error as Error)?.message ?? error), inMs: next });
      }
      if (!this.#stopped) this.#schedule(next);
    }, delayMs);
  }
}
