/**
 * Checks the comparison systems end to end, for orientation only (one short
 * run each): bulk enqueue 2,000 jobs, drain them with one worker at
 * concurrency 10, then 20 stamp jobs 20 ms apart to the idle worker.
 *
 *   bun scripts/bench/compare_smoke.ts [name filter]
 */
import type { BenchSystem } from "./system.ts";
import { floorSystem } from "./systems/floor.ts";
import { graphileSystem } from "./systems/graphile.ts";
import { pgbossSystem } from "./systems/pgboss.ts";

const N = 2_000;
const CONCURRENCY = 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const filter = process.argv[2] ?? "";

async function smoke(system: BenchSystem) {
  await system.setup();
  try {
    let t = performance.now();
    await system.enqueueBulk(N);
    const enqueueRate = N / ((performance.now() - t) / 1000);
    const sent = new Map<number, number>();
    const latencies: number[] = [];
    const worker = await system.startWorker(CONCURRENCY, (i, at) => latencies.push(at - sent.get(i)!));
    t = performance.now();
    while ((await system.pending()) > 0) await sleep(10);
    const drainRate = N / ((performance.now() - t) / 1000);
    await sleep(200); // let the worker go idle, as in W3
    for (let i = 0; i < 20; i++) {
      sent.set(i, Date.now());
      await system.enqueueOne(i, true);
      await sleep(20);
    }
    const deadline = Date.now() + 5_000;
    while (latencies.length < 20 && Date.now() < deadline) await sleep(10);
    await worker.stop();
    const sorted = [...latencies].sort((a, b) => a - b);
    console.log(
      `${system.name.padEnd(36)} enqueue ${enqueueRate.toFixed(0).padStart(6)}/s  drain ${drainRate.toFixed(0).padStart(6)}/s  ` +
        `pickup p50 ${sorted[sorted.length >> 1]} ms, max ${sorted.at(-1)} ms (${latencies.length}/20 seen)`,
    );
  } finally {
    await system.teardown();
  }
}

const systems = [floorSystem(10), floorSystem(50), graphileSystem({ tuned: false }), graphileSystem({ tuned: true }), pgbossSystem()];
for (const system of systems.filter((s) => s.name.includes(filter))) await smoke(system);
