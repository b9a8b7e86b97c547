/**
 * Prometheus gauges of the whole installation, read from the database at
 * each scrape through `app.inspect` (one read of the queues and one of the
 * workers per scrape, however many gauges): served on the dashboard's
 * /metrics. Per-job counters and histograms are each worker's own
 * (worker_metrics.ts): scrape the workers for those.
 */
import { Gauge, Registry } from "prom-client";
import type { App, QueueSummary, WorkerRecord } from "../../mod.ts";

/** The gauges of an installation's queues and workers. */
export class ClusterMetrics {
  readonly registry: Registry = new Registry();
  #queues: QueueSummary[] = [];
  #workers: WorkerRecord[] = [];

  constructor(private readonly app: App) {
    const registers = [this.registry];
    const perQueue = (name: string, help: string, value: (q: QueueSummary) => number) => {
      const queues = () => this.#queues;
      new Gauge({
        name,
        help,
        labelNames: ["queue"],
        registers,
        collect() {
          this.reset();
          for (const q of queues()) this.set({ queue: q.queue }, value(q));
        },
      });
    };
    const queues = () => this.#queues;
    new Gauge({
      name: "tq_queue_jobs",
      help: "Jobs per queue and state: ready (due now), scheduled (later), running (claimed), failed (kept for tq retry).",
      labelNames: ["queue", "state"],
      registers,
      collect() {
        this.reset();
        for (const q of queues()) {
          this.set({ queue: q.queue, state: "ready" }, q.queued);
          this.set({ queue: q.queue, state: "scheduled" }, q.scheduled);
          this.set({ queue: q.queue, state: "running" }, q.running);
          this.set({ queue: q.queue, state: "failed" }, q.failed);
        }
      },
    });
    perQueue("tq_queue_oldest_ready_seconds", "Age of the oldest job ready to run in the queue (0 when none waits).", (q) => (q.oldestMs ?? 0) / 1000);
    perQueue("tq_queue_consumers", "Live workers consuming the queue.", (q) => q.consumers);
    perQueue("tq_queue_paused", "1 while the queue is paused cluster-wide (tq control pause), else 0.", (q) => (q.paused ? 1 : 0));
    const workers = () => this.#workers;
    new Gauge({
      name: "tq_workers_alive",
      help: "Workers whose last heartbeat is recent enough to count them alive.",
      registers,
      collect() {
        this.set(workers().filter((w) => w.alive).length);
      },
    });
  }

  /** Reads the queues and workers once, then renders every gauge in the Prometheus text format. */
  async metrics(): Promise<string> {
    [this.#queues, this.#workers] = await Promise.all([this.app.inspect.queues(), this.app.inspect.workers()]);
    return this.registry.metrics();
  }
}
