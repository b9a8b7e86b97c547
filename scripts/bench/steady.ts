/**
 * W9: a sustained run. A producer sends jobs at a fixed rate (in batches every
 * 100 ms) while one worker process drains them, for `--total` jobs. Every 10 s
 * it prints the jobs finished in that window, the size of the jobs and results
 * tables (with their indexes and TOAST), the dead rows autovacuum has yet to
 * remove from jobs, and the resident memory of the worker and of the producer.
 * At the end: the last minute's throughput against the first's.
 *
 *   bun scripts/bench/steady.ts [--total 5000000] [--rate 8000] [--task noop|fire]
 *
 * Uses TQ_DATABASE_URL. "fire" stores no result (ignoreResult), so the results
 * table stays empty and only the hot table's size is at stake.
 */
import postgres from "postgres";
import { fileURLToPath } from "node:url";
import { App } from "../../mod.ts";
import { scriptCommand } from "../../core/runtime.ts";
import { DATABASE_URL, flag, rssMb, sleep, spawnWorker } from "./system.ts";

const WORKER = fileURLToPath(new URL("./systems/tq_worker.ts", import.meta.url));
const WINDOW_MS = 10_000;

const total = Number(flag("--total") ?? 5_000_000);
const rate = Number(flag("--rate") ?? 8_000);
const task = flag("--task") ?? "noop";
const schema = `bench_steady_${crypto.randomUUID().replaceAll("-", "").slice(0, 8)}`;
const app = new App({ name: "bench", databaseUrl: DATABASE_URL, schema, logLevel: "error" });
await app.migrate();
const sql = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
const worker = await spawnWorker(scriptCommand(WORKER), {
  TQ_DATABASE_URL: DATABASE_URL, TQ_SCHEMA: schema, TQ_LOG_LEVEL: "error", BENCH_CONCURRENCY: "10",
}, /^ready/, () => {});

const done = async () => (await sql.unsafe(`select coalesce(sum(succeeded + failed), 0)::float8 as n from "${schema}".queue_stats`))[0].n as number;
const sizes = async () => (await sql.unsafe(`
  select pg_total_relation_size('"${schema}".jobs')::float8 / 1048576 as jobs_mb,
         pg_total_relation_size('"${schema}".results')::float8 / 1048576 as results_mb,
         coalesce((select n_dead_tup from pg_stat_user_tables where schemaname = '${schema}' and relname = 'jobs'), 0)::int as jobs_dead`))[0];

// The producer: `rate` jobs a second, a batch every 100 ms, until `total` are sent.
let sent = 0;
const producing = (async () => {
  const perBatch = Math.max(1, Math.round(rate / 10));
  const started = performance.now();
  while (sent < total) {
    const size = Math.min(perBatch, total - sent);
    await app.sendMany(task, Array.from({ length: size }, (_, i) => [sent + i]));
    sent += size;
    const due = started + (sent / rate) * 1000;
    if (due > performance.now()) await sleep(due - performance.now());
  }
})();

const windows: number[] = [];
let last = 0;
const began = performance.now();
while (last < total) {
  await sleep(WINDOW_MS);
  const now = await done();
  const finished = now - last;
  last = now;
  windows.push(finished / (WINDOW_MS / 1000));
  const s = await sizes();
  console.log(JSON.stringify({
    t_s: Math.round((performance.now() - began) / 1000), sent, done: now, jobs_s: Math.round(finished / (WINDOW_MS / 1000)),
    jobs_mb: Math.round(s.jobs_mb), results_mb: Math.round(s.results_mb), jobs_dead: s.jobs_dead,
    worker_rss_mb: Math.round(rssMb(worker.pid)), producer_rss_mb: Math.round(rssMb(process.pid)),
  }));
}
await producing;
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const first = mean(windows.slice(0, 6));
const lastMinute = mean(windows.slice(-7, -1)); // the final window is partial
console.log(JSON.stringify({ workload: "W9", total, rate, task, first_minute_jobs_s: Math.round(first), last_minute_jobs_s: Math.round(lastMinute), ratio: Number((lastMinute / first).toFixed(2)) }));
await worker.stop();
await sql.end();
await app.transport.uninstall();
await app.close();
