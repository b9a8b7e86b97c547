/** A tq worker process for the benchmark: TQ_* from the environment, BENCH_CONCURRENCY slots. */
import { Worker } from "../../../mod.ts";
import { collectGarbage, onSignal } from "../../../core/runtime.ts";
import { app } from "../tq_tasks.ts";

// W10's limited tasks: only when asked, since any limit changes the claim every job goes through.
if (process.env.BENCH_FLOW === "1") await import("../tq_flow_tasks.ts");

// W12: Prometheus telemetry, or OpenTelemetry spans recorded for every run, only when asked.
const telemetry = process.env.BENCH_METRICS === "1" ? new (await import("../../../cli/metrics/worker_metrics.ts")).WorkerMetrics().listener : undefined;
if (process.env.BENCH_TRACING === "1") await (await import("../observability_tracing.ts")).recordSpans();

const worker = new Worker(app, { concurrency: Number(process.env.BENCH_CONCURRENCY ?? 10), telemetry });
await worker.start();
console.log("ready");
// W6 measures memory after a full collection, so garbage not yet collected does not count as growth.
process.on("SIGUSR2", () => collectGarbage());
onSignal("SIGTERM", () => {
  worker.stop().then(() => app.close()).then(() => process.exit(0));
});
