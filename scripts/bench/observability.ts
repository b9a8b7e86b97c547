/**
 * W12: what observability costs (docs/observability.md). One worker process
 * (concurrency 10) draining 20,000 no-op jobs, as ratios to the same worker
 * without it, in alternating runs: with Prometheus telemetry
 * (`--metrics-port`), and with OpenTelemetry recording a span per run (a
 * real provider, an exporter that keeps nothing). Then the dashboard's
 * overview (queues and workers, what its live stream reads) with 100,000
 * jobs waiting: ms per read. Medians of `--runs`.
 *
 *   bun scripts/bench/observability.ts [--runs 3] [--jobs 20000]
 *
 * Also `bun scripts/bench.ts --only W12`. Uses TQ_DATABASE_URL.
 */
import { drainRate, fill, fresh } from "./backlog.ts";
import { flag } from "./system.ts";

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];

async function drainOnce(jobs: number, env: Record<string, string>): Promise<number> {
  const app = await fresh();
  try {
    await fill(app, jobs);
    return await drainRate(app, jobs, env);
  } finally {
    await app.transport.uninstall();
    await app.close();
  }
}

/** ms per read of the overview (queues and workers) with `waiting` jobs queued. */
async function overviewMs(waiting: number, reads: number): Promise<number> {
  const app = await fresh();
  try {
    await fill(app, waiting);
    const times: number[] = [];
    for (let i = 0; i < reads; i++) {
      const started = performance.now();
      await Promise.all([app.inspect.queues(), app.inspect.workers()]);
      times.push(performance.now() - started);
    }
    return median(times);
  } finally {
    await app.transport.uninstall();
    await app.close();
  }
}

/** Runs W12 and returns its figures. */
export async function observabilityWorkload(options: { runs: number; jobs: number }): Promise<Record<string, number>> {
  const rates = { plain: [] as number[], metrics: [] as number[], tracing: [] as number[] };
  for (let run = 0; run < options.runs; run++) {
    rates.plain.push(await drainOnce(options.jobs, {}));
    rates.metrics.push(await drainOnce(options.jobs, { BENCH_METRICS: "1" }));
    rates.tracing.push(await drainOnce(options.jobs, { BENCH_TRACING: "1" }));
  }
  const m = { plain: median(rates.plain), metrics: median(rates.metrics), tracing: median(rates.tracing) };
  return {
    drain_plain_jobs_s: Math.round(m.plain),
    drain_metrics_jobs_s: Math.round(m.metrics),
    metrics_ratio: Number((m.metrics / m.plain).toFixed(2)),
    drain_traced_jobs_s: Math.round(m.tracing),
    tracing_ratio: Number((m.tracing / m.plain).toFixed(2)),
    overview_100k_ms: Math.round(await overviewMs(100_000, 5)),
  };
}

if (import.meta.main) {
  const figures = await observabilityWorkload({ runs: Number(flag("--runs") ?? 3), jobs: Number(flag("--jobs") ?? 20_000) });
  console.log(Object.entries(figures).map(([k, v]) => `${k}=${v}`).join("  "));
}
