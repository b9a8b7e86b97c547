/**
 * Benchmarks tq on this machine and prints one JSON line per workload, then
 * a table. Each workload runs `--runs` times (default 3); medians are shown.
 *
 *   W1 bulk enqueue of 20,000 no-op jobs (jobs/s), then one worker process at
 *      concurrency 10 drains them (jobs/s, wall time)
 *   W2 2,000 single enqueues, each awaited (jobs/s)
 *   W3 idle worker, 200 jobs sent 20 ms apart: pickup latency p50/p95/p99 (ms)
 *
 * Usage: bun scripts/bench.ts [--runs N]   (or deno run -A scripts/bench.ts)
 * Uses TQ_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { App } from "../mod.ts";
import { runtimeVersion, scriptCommand } from "../core/runtime.ts";

const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;
const CLI = fileURLToPath(new URL("../cli/main.ts", import.meta.url));
const TASKS = fileURLToPath(new URL("./bench_tasks.ts", import.meta.url));
const URL_ = process.env.TQ_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

interface Figures {
  [key: string]: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freshApp(): App {
  const schema = `bench_${crypto.randomUUID().replaceAll("-", "").slice(0, 8)}`;
  return new App({ name: "bench", databaseUrl: URL_, schema, logLevel: "error", pollInterval: 1_000 });
}

/** Starts `tq worker` on the bench tasks and waits until it has registered. */
async function startWorker(app: App, concurrency: number) {
  const [command, ...prefix] = scriptCommand(CLI);
  const child = spawn(command, [...prefix, "worker", "-A", TASKS, "--concurrency", String(concurrency), "--log-level", "warn"], {
    env: { ...process.env, TQ_DATABASE_URL: URL_, TQ_SCHEMA: app.config.schema },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const deadline = Date.now() + 30_000;
  while (!(await app.transport.workerList(60_000)).some((w) => w.pid === child.pid)) {
    if (Date.now() > deadline) throw new Error("The benchmark worker did not start within 30 s.");
    await sleep(50);
  }
  return {
    pid: child.pid,
    stop: () => new Promise<void>((resolve) => (child.on("exit", () => resolve()), child.kill("SIGTERM"))),
  };
}

async function queueEmpty(app: App): Promise<boolean> {
  return (await app.transport.jobCountByQueue()).length === 0;
}

async function dropSchema(app: App): Promise<void> {
  await app.transport.uninstall();
  await app.close();
}

async function w1(): Promise<Figures> {
  const app = freshApp();
  await app.migrate();
  const args = Array.from({ length: 20_000 }, (_, i) => [i]);
  let t = performance.now();
  await app.sendMany("noop", args);
  const enqueueMs = performance.now() - t;
  t = performance.now();
  const worker = await startWorker(app, 10);
  const startedAt = performance.now();
  while (!(await queueEmpty(app))) await sleep(20);
  const drainMs = performance.now() - startedAt;
  await worker.stop();
  await dropSchema(app);
  return { enqueue_jobs_s: 20_000 / (enqueueMs / 1000), drain_jobs_s: 20_000 / (drainMs / 1000), drain_wall_ms: drainMs };
}

async function w2(): Promise<Figures> {
  const app = freshApp();
  await app.migrate();
  const t = performance.now();
  for (let i = 0; i < 2_000; i++) await app.sendTask("noop", [i]);
  const ms = performance.now() - t;
  await dropSchema(app);
  return { single_enqueue_jobs_s: 2_000 / (ms / 1000) };
}

async function w3(): Promise<Figures> {
  const app = freshApp();
  await app.migrate();
  const worker = await startWorker(app, 10);
  await sleep(500);
  const pending: Promise<number>[] = [];
  for (let i = 0; i < 200; i++) {
    const sentAt = Date.now();
    pending.push(app.sendTask<number>("stamp", []).then((r) => r.get({ timeout: 30_000 })).then((startedAt) => startedAt - sentAt));
    await sleep(20);
  }
  const latencies = await Promise.all(pending);
  await worker.stop();
  await dropSchema(app);
  return { p50_ms: percentile(latencies, 50), p95_ms: percentile(latencies, 95), p99_ms: percentile(latencies, 99) };
}

const workloads: [string, () => Promise<Figures>][] = [["W1", w1], ["W2", w2], ["W3", w3]];
const summary: Record<string, Figures> = {};
const probe = freshApp();
const pgVersion = await probe.transport.serverVersion();
await probe.close();

for (const [name, run] of workloads) {
  const samples: Figures[] = [];
  for (let i = 0; i < RUNS; i++) samples.push(await run());
  const medians: Figures = {};
  for (const key of Object.keys(samples[0])) medians[key] = Math.round(median(samples.map((s) => s[key])) * 10) / 10;
  summary[name] = medians;
  console.log(JSON.stringify({ workload: name, runtime: runtimeVersion(), postgres: pgVersion, runs: RUNS, ...medians }));
}

console.log(`\ntq benchmark, ${runtimeVersion()}, medians of ${RUNS} runs`);
for (const [name, figures] of Object.entries(summary)) {
  console.log(`${name.padEnd(4)} ${Object.entries(figures).map(([k, v]) => `${k}=${v}`).join("  ")}`);
}
