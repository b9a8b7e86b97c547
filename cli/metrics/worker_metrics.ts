/**
 * Prometheus metrics of one worker (and the beat it may run), fed by its
 * telemetry events (core/telemetry.ts) and served by `tq worker
 * --metrics-port`. Counters and histograms are this process's own since it
 * started; Prometheus sums them over workers. The table of names and labels
 * is in docs/observability.md.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { TelemetryEvent, TelemetryListener } from "../../mod.ts";

/** Run times from 5 ms to 5 min: most tasks take milliseconds to seconds, some minutes. */
const RUN_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
/** Pickup latency from 1 ms (a worker was idle and woken) to a minute (a backlog). */
const PICKUP_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

const JOB_LABELS = ["queue", "task"] as const;

/** What a worker's gauges read when scraped. */
export interface WorkerGauges {
  running(): number;
  concurrency: number;
}

/** A worker's registry and the telemetry listener that fills it. */
export class WorkerMetrics {
  readonly registry: Registry = new Registry();
  readonly #started: Counter<"queue" | "task">;
  readonly #ended: Record<"succeeded" | "failed" | "retried" | "revoked" | "discarded", Counter<"queue" | "task">>;
  readonly #runtime: Histogram<"queue" | "task">;
  readonly #pickup: Histogram<"queue">;
  readonly #rescues: Counter<"outcome">;
  readonly #ticks: Counter<"schedule" | "result">;

  constructor(gauges?: WorkerGauges) {
    const registers = [this.registry];
    const counter = (name: string, help: string) => new Counter({ name, help, labelNames: JOB_LABELS, registers });
    this.#started = counter("tq_jobs_started_total", "Jobs whose handler started in this worker.");
    this.#ended = {
      succeeded: counter("tq_jobs_succeeded_total", "Jobs whose success this worker stored."),
      failed: counter("tq_jobs_failed_total", "Jobs this worker stored as failed for good (FAILURE)."),
      retried: counter("tq_jobs_retried_total", "Attempts this worker ended with a retry (the job runs again later)."),
      revoked: counter("tq_jobs_revoked_total", "Jobs this worker ended as revoked."),
      discarded: counter("tq_jobs_discarded_total", "Outcomes not stored: another worker held the job by then, or it was a refused copy of a signed message that already ran."),
    };
    this.#runtime = new Histogram({ name: "tq_job_run_duration_seconds", help: "Handler run time of attempts that ended (succeeded, failed or retried).", labelNames: JOB_LABELS, buckets: RUN_BUCKETS, registers });
    this.#pickup = new Histogram({ name: "tq_job_pickup_latency_seconds", help: "Time a job waited once due (sent, eta or retry time) until this worker claimed it, by the database clock.", labelNames: ["queue"], buckets: PICKUP_BUCKETS, registers });
    this.#rescues = new Counter({ name: "tq_lease_rescues_total", help: "Jobs whose lease had expired, taken back by this worker's maintenance sweep, by what became of them.", labelNames: ["outcome"], registers });
    this.#ticks = new Counter({ name: "tq_beat_ticks_total", help: "Schedule ticks handled by a beat leading in this process, sent or skipped.", labelNames: ["schedule", "result"], registers });
    if (gauges) {
      new Gauge({ name: "tq_worker_running_jobs", help: "Jobs whose handler runs in this worker now.", registers, collect() { this.set(gauges.running()); } });
      new Gauge({ name: "tq_worker_concurrency", help: "Handlers this worker runs at once at most.", registers }).set(gauges.concurrency);
    }
  }

  /** The listener to pass as `telemetry` to a Worker and a Beat. */
  readonly listener: TelemetryListener = (event: TelemetryEvent) => {
    switch (event.type) {
      case "job-claimed":
        this.#pickup.observe({ queue: event.queue }, event.waitedMs / 1000);
        return;
      case "job-started":
        this.#started.inc({ queue: event.queue, task: event.task });
        return;
      case "job-ended": {
        const labels = { queue: event.queue, task: event.task };
        this.#ended[event.outcome].inc(labels);
        if (event.runMs > 0 && event.outcome !== "discarded") this.#runtime.observe(labels, event.runMs / 1000);
        return;
      }
      case "jobs-rescued":
        for (const outcome of ["requeued", "failed", "revoked"] as const) if (event[outcome] > 0) this.#rescues.inc({ outcome }, event[outcome]);
        return;
      case "beat-tick":
        this.#ticks.inc({ schedule: event.schedule, result: event.sent ? "sent" : "skipped" });
        return;
    }
  };
}
