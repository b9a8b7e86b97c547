/**
 * W8: what a backlog costs. With 0 and then FUTURE jobs scheduled a day ahead
 * in the queue: the database time of an idle worker's poll (the next-due query
 * and an empty claim, by EXPLAIN ANALYZE, with the buffers they touch), and
 * the pickup latency of due jobs sent among them. Then the drain rate of one
 * worker process (concurrency 10) over the first 20,000 jobs of a backlog of
 * 10,000... and of DUE due jobs.
 *
 *   bun scripts/bench/backlog.ts [--future 1000000] [--due 1000000] [--plans]
 *
 * Also `bun scripts/bench.ts --only W8`. Uses TQ_DATABASE_URL.
 */
import postgres from "postgres";
import { fileURLToPath } from "node:url";
import { App } from "../../mod.ts";
import { scriptCommand } from "../../core/runtime.ts";
import { renderSql } from "../../transports/postgres/_render.ts";
import { DATABASE_URL, flag, sleep, spawnWorker } from "./system.ts";

const WORKER = fileURLToPath(new URL("./systems/tq_worker.ts", import.meta.url));
const CHUNK = 20_000;

export async function fresh(): Promise<App> {
  const schema = `bench_backlog_${crypto.randomUUID().replaceAll("-", "").slice(0, 8)}`;
  const app = new App({ name: "bench", databaseUrl: DATABASE_URL, schema, logLevel: "error" });
  await app.migrate();
  return app;
}

/** Sends `n` jobs of `task`; with `groups`, spread evenly over that many groups (the send option `group`). */
export async function fill(app: App, n: number, countdown?: string, task = "noop", groups = 0): Promise<void> {
  const chunk = groups > 0 ? Math.ceil(n / groups) : CHUNK;
  for (let start = 0, g = 0; start < n; start += chunk, g++) {
    const size = Math.min(chunk, n - start);
    const options = { ...(countdown ? { countdown } : {}), ...(groups > 0 ? { group: `tenant-${g}` } : {}) };
    await app.sendMany(task, Array.from({ length: size }, (_, i) => [start + i]), options);
  }
}

/** Execution time (ms) and shared buffers of one statement, and its plan. */
async function explain(sql: postgres.Sql, text: string, params: unknown[]): Promise<{ ms: number; buffers: number; plan: string }> {
  const rows = await sql.unsafe(`explain (analyze, buffers) ${text}`, params as never[]);
  const plan = rows.map((r: Record<string, string>) => r["QUERY PLAN"]).join("\n");
  const ms = Number(/Execution Time: ([\d.]+)/.exec(plan)?.[1] ?? NaN);
  const top = plan.split("\n").find((line) => /Buffers: shared/.test(line)) ?? "";
  const buffers = [...top.matchAll(/(?:hit|read)=(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
  return { ms, buffers, plan };
}

/** An idle worker's two polling statements, as the transport sends them. */
async function pollCost(app: App, showPlans: boolean) {
  const sql = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
  try {
    const queries = renderSql(app.config.schema).queries;
    const next = await explain(sql, queries.jobNextRunAt, [["default"]]);
    const claim = await explain(sql, queries.jobClaim, [["default"], 10, "bench:idle", 30_000, [], ["noop"], "{}", 10, 1, "{}"]);
    if (showPlans) console.log(`-- job_next_run_at\n${next.plan}\n-- job_claim (nothing due)\n${claim.plan}`);
    return { next_ms: next.ms, next_buffers: next.buffers, claim_ms: claim.ms, claim_buffers: claim.buffers };
  } finally {
    await sql.end();
  }
}

async function startWorker(app: App, onStamp: (i: number, at: number) => void = () => {}, extraEnv: Record<string, string> = {}) {
  const env = { TQ_DATABASE_URL: DATABASE_URL, TQ_SCHEMA: app.config.schema, TQ_LOG_LEVEL: "error", BENCH_CONCURRENCY: "10", ...extraEnv };
  return await spawnWorker(scriptCommand(WORKER), env, /^ready/, onStamp);
}

/** Median pickup latency of 20 stamp jobs sent 50 ms apart to an idle worker. */
async function pickup(app: App): Promise<number> {
  const sent = new Map<number, number>();
  const latencies: number[] = [];
  const worker = await startWorker(app, (i, at) => latencies.push(at - sent.get(i)!));
  try {
    await sleep(500);
    for (let i = 0; i < 20; i++) {
      sent.set(i, Date.now());
      await app.sendTask("stamp", [i]);
      await sleep(50);
    }
    const deadline = Date.now() + 30_000;
    while (latencies.length < 20 && Date.now() < deadline) await sleep(20);
  } finally {
    await worker.stop();
  }
  latencies.sort((a, b) => a - b);
  return latencies[latencies.length >> 1];
}

/**
 * Jobs/s of one worker over the first `count` jobs of what is queued, counted
 * by their results (counting the queue itself would scan the whole backlog on
 * every look and slow the drain it measures).
 */
export async function drainRate(app: App, count: number, extraEnv: Record<string, string> = {}): Promise<number> {
  const sql = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
  const finished = async () => (await sql.unsafe(`select count(*)::int as n from "${app.config.schema}".results`))[0].n as number;
  const worker = await startWorker(app, undefined, extraEnv);
  const started = performance.now();
  try {
    while ((await finished()) < count) await sleep(50);
  } finally {
    await worker.stop();
    await sql.end();
  }
  return count / ((performance.now() - started) / 1000);
}

/** Runs W8 and returns its figures. */
export async function backlogWorkload(options: { future: number; due: number; plans: boolean }): Promise<Record<string, number>> {
  const figures: Record<string, number> = {};
  const app = await fresh();
  try {
    Object.assign(figures, prefixed("empty", await pollCost(app, false)), { empty_pickup_p50_ms: await pickup(app) });
    await fill(app, options.future, "1d");
    Object.assign(figures, prefixed(`future${options.future}`, await pollCost(app, options.plans)));
    figures[`future${options.future}_pickup_p50_ms`] = await pickup(app);
  } finally {
    await app.transport.uninstall();
    await app.close();
  }
  for (const backlog of [10_000, options.due]) {
    const drained = await fresh();
    try {
      await fill(drained, backlog);
      figures[`due${backlog}_drain_jobs_s`] = Math.round(await drainRate(drained, Math.min(backlog, CHUNK)));
    } finally {
      await drained.transport.uninstall();
      await drained.close();
    }
  }
  return figures;
}

function prefixed(prefix: string, values: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [`${prefix}_${k}`, v]));
}

if (import.meta.main) {
  const future = Number(flag("--future") ?? 1_000_000);
  const figures = await backlogWorkload({ future, due: Number(flag("--due") ?? 1_000_000), plans: process.argv.includes("--plans") });
  console.log(JSON.stringify({ workload: "W8", ...figures }));
}
