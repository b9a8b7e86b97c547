/**
 * A worker's maintenance loop: rescues jobs whose lease expired (their
 * worker died or hung), deletes expired results and what inspection no
 * longer needs, and vacuums tq's tables when autovacuum does not (off, or
 * behind). Every worker runs it, with jitter so they do not sweep in
 * step; the statements skip rows another sweep holds.
 */
import type { Logger } from "../logger.ts";
import type { ResultTtls, Transport } from "../transport.ts";
import type { TelemetryEvent } from "../telemetry.ts";

export class Maintenance {
  #timer?: ReturnType<typeof setTimeout>;
  #stopped = false;

  constructor(
    private readonly transport: () => Transport,
    private readonly ttls: ResultTtls,
    private readonly intervalMs: number,
    private readonly logger: Logger,
    private readonly telemetry?: (event: TelemetryEvent) => void,
  ) {}

  /** Sweeps now, then about every interval until stop(). */
  start(): void {
    this.#stopped = false;
    this.#schedule(0);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(async () => {
      await this.#sweep();
      if (!this.#stopped) this.#schedule(this.intervalMs * (0.75 + Math.random() * 0.5));
    }, delayMs);
  }

  async #sweep(): Promise<void> {
    try {
      const transport = this.transport();
      const { requeued, failed, revoked } = await transport.jobRescueExpired(this.ttls);
      if (requeued || failed || revoked) {
        this.logger.log("warn", "Rescued jobs whose worker stopped renewing their lease", { requeued, failed, revoked });
        this.telemetry?.({ type: "jobs-rescued", requeued, failed, revoked });
      }
      await transport.resultCleanExpired();
      await transport.inspectClean();
      if (this.#stopped) return;
      for (const vacuumed of await transport.vacuumBehind()) {
        this.logger.log("info", "Vacuumed a table autovacuum left with many dead rows", { ...vacuumed });
      }
    } catch (error) {
      // A sweep cut short by the worker's stop (its connections closing) is no failure.
      if (this.#stopped) return;
      this.logger.log("warn", "Maintenance failed; will retry", { error: String((error as Error)?.message ?? error) });
    }
  }
}
