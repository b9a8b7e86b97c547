/**
 * Benchmarks tq on this machine and prints one JSON line per workload and
 * system, then a table. Each workload runs `--runs` times (default 3) and
 * the medians are reported, with the runtime and the Postgres version.
 *
 *   W1 bulk-enqueue 20,000 no-op jobs (jobs/s); one worker process at
 *      concurrency 10 drains them (jobs/s, wall ms)
 *   W2 2,000 single enqueues, each awaited (jobs/s)
 *   W3 idle worker, 200 jobs sent 20 ms apart: pickup latency p50/p95/p99 (ms)
 *   W4 1, 2, 4 and 8 worker processes drain 100,000 jobs (jobs/s); with
 *      --compare also the floor (batch 500, message payload)
 *   W5 5,000 delay() + get() round trips, 50 in flight (jobs/s)  [tq only]
 *   W6 worker RSS after 1,000 and after 100,000 jobs (MB, growth %) [tq only]
 *   W7 a chord of 10,000 no-op members against 10,000 plain jobs on the same
 *      worker process: members/s and their ratio, last member to callback
 *      start (ms, database stamps), the counter and fire statements alone
 *      (bench/chord.ts)                                          [tq only]
 *   W8 the cost of a backlog of 1,000,000 jobs (bench/backlog.ts)  [tq only, --only W8]
 *   W10 flow control: drain with no limit, a limit that never binds, a limit
 *      of 5 and another task paused (bench/flow.ts)              [tq only, --only W10]
 *   W11 message signing: µs to sign and verify one message; sending and
 *      draining with signing on, against off (bench/signing.ts) [tq only, --only W11]
 *   W12 observability: draining with Prometheus telemetry and with a span per
 *      run, against neither; the dashboard's overview read with 100,000 jobs
 *      waiting (bench/observability.ts)                         [tq only, --only W12]
 *   (W9, a sustained run, is bench/steady.ts on its own.)
 *
 * `--compare` also runs W1-W3 for the floor (a minimal SKIP LOCKED loop with
 * postgres.js, batch 10, 50 and 500), graphile-worker (defaults, and local queue
 * with batched completion) and pg-boss, and prints tq's ratio to each. The
 * peers live in bench/ (`npm install --prefix bench`), not in tq's own
 * dependencies. `--only W1,W3` picks workloads (`--only W7`: the chord alone,
 * about 40 s); `--runs N` sets the runs.
 *
 * Usage: bun scripts/bench.ts [--runs N] [--compare] [--only W1,W2]
 * Uses TQ_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { runtimeVersion } from "../core/runtime.ts";
import { type BenchSystem, type BenchWorker, flag, rssMb, sleep } from "./bench/system.ts";
import { chordWorkload } from "./bench/chord.ts";
import { tqSystem } from "./bench/systems/tq.ts";

type Figures = Record<string, number>;

const RUNS = Number(flag("--runs") ?? 3);
const COMPARE = process.argv.includes("--compare");
const ONLY = flag("--only")?.split(",");

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function drained(system: BenchSystem, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await system.pending()) > 0) {
    if (Date.now() > deadline) throw new Error(`${system.name}: jobs still pending after ${timeoutMs} ms.`);
    await sleep(50);
  }
}

/** Resident set size of a worker after it ran a full garbage collection (SIGUSR2), in MB (Linux). */
async function settledRssMb(pid: number): Promise<number> {
  process.kill(pid, "SIGUSR2");
  await sleep(1_000);
  return rssMb(pid);
}


/** Runs `fn` on a freshly set up system and always tears it down and stops its workers. */
async function withSystem(system: BenchSystem, fn: (workers: BenchWorker[]) => Promise<Figures>): Promise<Figures> {
  const workers: BenchWorker[] = [];
  await system.setup();
  try {
    return await fn(workers);
  } finally {
    for (const worker of workers) await worker.stop();
    await system.teardown();
  }
}

function w1(system: BenchSystem): Promise<Figures> {
  return withSystem(system, async (workers) => {
    let t = performance.now();
    await system.enqueueBulk(20_000);
    const enqueueMs = performance.now() - t;
    workers.push(await system.startWorker(10, () => {}));
    t = performance.now();
    await drained(system);
    const drainMs = performance.now() - t;
    return { enqueue_jobs_s: 20_000 / (enqueueMs / 1000), drain_jobs_s: 20_000 / (drainMs / 1000), drain_wall_ms: drainMs };
  });
}

function w2(system: BenchSystem): Promise<Figures> {
  return withSystem(system, async () => {
    const t = performance.now();
    for (let i = 0; i < 2_000; i++) await system.enqueueOne(i, false);
    return { single_enqueue_jobs_s: 2_000 / ((performance.now() - t) / 1000) };
  });
}

function w3(system: BenchSystem): Promise<Figures> {
  return withSystem(system, async (workers) => {
    const started = new Map<number, number>();
    workers.push(await system.startWorker(10, (i, at) => started.set(i, at)));
    await sleep(500);
    const sent = new Map<number, number>();
    for (let i = 0; i < 200; i++) {
      sent.set(i, Date.now());
      await system.enqueueOne(i, true);
      await sleep(20);
    }
    const deadline = Date.now() + 30_000;
    while (started.size < 200 && Date.now() < deadline) await sleep(20);
    if (started.size < 200) throw new Error(`${system.name}: only ${started.size} of 200 stamped jobs started.`);
    const latencies = [...sent].map(([i, at]) => started.get(i)! - at);
    return { p50_ms: percentile(latencies, 50), p95_ms: percentile(latencies, 95), p99_ms: percentile(latencies, 99) };
  });
}

/** Worker processes W4 drains with, one count after the other. */
const SCALE_OUT = [1, 2, 4, 8];

/** W4: 100,000 jobs drained by 1, 2, 4 and 8 worker processes (concurrency 10 each). */
async function w4(system: BenchSystem): Promise<Figures> {
  const figures: Figures = {};
  for (const processes of SCALE_OUT) {
    Object.assign(figures, await withSystem(system, async (workers) => {
      await system.enqueueBulk(100_000);
      workers.push(...await Promise.all(Array.from({ length: processes }, () => system.startWorker(10, () => {}))));
      const t = performance.now();
      await drained(system);
      return { [`drain_${processes}_workers_jobs_s`]: 100_000 / ((performance.now() - t) / 1000) };
    }));
  }
  return figures;
}

function w5(): Promise<Figures> {
  const system = tqSystem({ ignoreResult: false });
  return withSystem(system, async (workers) => {
    workers.push(await system.startWorker(10, () => {}));
    const app = system.app();
    let next = 0;
    const t = performance.now();
    const lane = async () => {
      while (next < 5_000) {
        next++;
        await (await app.sendTask("noop", [next])).get({ timeout: 60_000 });
      }
    };
    await Promise.all(Array.from({ length: 50 }, lane));
    return { round_trips_s: 5_000 / ((performance.now() - t) / 1000) };
  });
}

function w6(): Promise<Figures> {
  const system = tqSystem({ ignoreResult: false });
  return withSystem(system, async (workers) => {
    const worker = await system.startWorker(10, () => {});
    workers.push(worker);
    await system.enqueueBulk(1_000);
    await drained(system);
    const after1k = await settledRssMb(worker.pid);
    await system.enqueueBulk(99_000);
    await drained(system);
    const after100k = await settledRssMb(worker.pid);
    return { rss_1k_mb: after1k, rss_100k_mb: after100k, growth_pct: ((after100k - after1k) / after1k) * 100 };
  });
}

/** The systems W1-W3 run on: tq, and with --compare the floor and the peers. */
async function comparedSystems(): Promise<BenchSystem[]> {
  const systems: BenchSystem[] = [tqSystem({ ignoreResult: false }), tqSystem({ ignoreResult: true })];
  if (!COMPARE) return systems;
  const { floorSystem } = await import("./bench/systems/floor.ts");
  const { graphileSystem } = await import("./bench/systems/graphile.ts");
  const { pgbossSystem } = await import("./bench/systems/pgboss.ts");
  return [...systems, floorSystem(10), floorSystem(50), floorSystem(500), floorSystem(500, "message"), graphileSystem({ tuned: false }), graphileSystem({ tuned: true }), pgbossSystem()];
}

async function measure(workload: string, system: string, run: () => Promise<Figures>): Promise<Figures> {
  const samples: Figures[] = [];
  for (let i = 0; i < RUNS; i++) samples.push(await run());
  const medians: Figures = {};
  for (const key of Object.keys(samples[0])) medians[key] = Math.round(median(samples.map((s) => s[key])) * 10) / 10;
  console.log(JSON.stringify({ workload, system, runtime: runtimeVersion(), postgres: pgVersion, runs: RUNS, ...medians }));
  return medians;
}

const wanted = (name: string) => !ONLY || ONLY.includes(name);
const probe = tqSystem({ ignoreResult: false });
await probe.setup();
const pgVersion = await probe.app().transport.serverVersion();
await probe.teardown();

const results = new Map<string, Map<string, Figures>>();
const record = (workload: string, system: string, figures: Figures) => {
  if (!results.has(workload)) results.set(workload, new Map());
  results.get(workload)!.set(system, figures);
};

for (const system of await comparedSystems()) {
  for (const [name, run] of [["W1", w1], ["W2", w2], ["W3", w3]] as const) {
    if (wanted(name)) record(name, system.name, await measure(name, system.name, () => run(system)));
  }
}
if (wanted("W4")) {
  record("W4", "tq", await measure("W4", "tq", () => w4(tqSystem({ ignoreResult: false }))));
  if (COMPARE) {
    const { floorSystem } = await import("./bench/systems/floor.ts");
    const floor = floorSystem(500, "message");
    record("W4", floor.name, await measure("W4", floor.name, () => w4(floor)));
  }
}
if (wanted("W5")) record("W5", "tq", await measure("W5", "tq", w5));
if (wanted("W6")) record("W6", "tq", await measure("W6", "tq", w6));
if (wanted("W7")) record("W7", "tq", await measure("W7", "tq", () => chordWorkload(1)));
// Long workloads, run only when named: their scripts take their medians themselves.
const named = (name: string) => ONLY?.includes(name) ?? false;
if (named("W8")) {
  const { backlogWorkload } = await import("./bench/backlog.ts");
  record("W8", "tq", await backlogWorkload({ future: 1_000_000, due: 1_000_000, plans: false }));
}
if (named("W10")) {
  const { flowWorkload } = await import("./bench/flow.ts");
  record("W10", "tq", await flowWorkload({ runs: RUNS, jobs: 20_000 }));
}
if (named("W11")) {
  const { signingWorkload } = await import("./bench/signing.ts");
  record("W11", "tq", await signingWorkload({ runs: RUNS, jobs: 20_000 }));
}
if (named("W12")) {
  const { observabilityWorkload } = await import("./bench/observability.ts");
  record("W12", "tq", await observabilityWorkload({ runs: RUNS, jobs: 20_000 }));
}

console.log(`\ntq benchmark: ${runtimeVersion()}, ${pgVersion}, medians of ${RUNS} runs`);
for (const [workload, bySystem] of results) {
  for (const [system, figures] of bySystem) {
    console.log(`${workload.padEnd(3)} ${system.padEnd(34)} ${Object.entries(figures).map(([k, v]) => `${k}=${v}`).join("  ")}`);
  }
}
printRatios();

/** tq's ratio to each other system on the figures the targets name (higher is better for tq). */
function printRatios(): void {
  const metrics: [string, string, "higher" | "lower"][] = [
    ["W1", "drain_jobs_s", "higher"],
    ["W1", "enqueue_jobs_s", "higher"],
    ["W2", "single_enqueue_jobs_s", "higher"],
    ["W3", "p50_ms", "lower"],
    ["W3", "p99_ms", "lower"],
  ];
  const lines: string[] = [];
  for (const [workload, metric, better] of metrics) {
    const bySystem = results.get(workload);
    const tq = bySystem?.get("tq (ignoreResult)")?.[metric] ?? bySystem?.get("tq")?.[metric];
    if (!bySystem || tq === undefined) continue;
    for (const [system, figures] of bySystem) {
      if (system.startsWith("tq")) continue;
      const ratio = better === "higher" ? tq / figures[metric] : figures[metric] / tq;
      lines.push(`${workload} ${metric.padEnd(22)} tq vs ${system.padEnd(34)} ${ratio.toFixed(2)}x${better === "lower" ? " (their latency / tq's)" : ""}`);
    }
  }
  for (const [system, figures] of results.get("W4") ?? []) {
    const one = figures.drain_1_workers_jobs_s;
    const curve = SCALE_OUT.map((n) => `${n}: ${(figures[`drain_${n}_workers_jobs_s`] / one).toFixed(2)}x`).join(", ");
    lines.push(`W4 ${system} drain by processes, against one: ${curve}`);
  }
  const w2 = results.get("W2")?.get("tq")?.single_enqueue_jobs_s;
  const w5 = results.get("W5")?.get("tq")?.round_trips_s;
  if (w2 && w5) lines.push(`W5 round trips / W2 single enqueues: ${(w5 / w2).toFixed(2)}x`);
  const w7 = results.get("W7")?.get("tq")?.chord_pct_of_plain;
  if (w7) lines.push(`W7 chord members/s / plain jobs/s on the same worker: ${(w7 / 100).toFixed(2)}x`);
  if (lines.length) console.log(`\nRatios (tq's W1-W3 figures are those of its ignoreResult run where both exist):\n${lines.join("\n")}`);
}
