/**
 * The claim's order and reach (docs/execution.md, docs/performance.md): jobs
 * are claimed by priority, then due time, then sending order, across the
 * queues a worker consumes; jobs scheduled for later are never claimed early
 * and never stand in the way of due ones, whatever their priority.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { type App, Worker } from "../mod.ts";
import { dbClient, disposeApp, testApp } from "./_helpers.ts";

/** Claims everything claimable with batches of `limit`, as one worker would, in claim order. */
async function claimAll(app: App, queues: string[], limit: number): Promise<string[]> {
  const claimed: string[] = [];
  for (;;) {
    const { jobs: batch } = await app.transport.jobClaim({
      queues, limit, workerId: "test:claims", leaseMs: 60_000, tasks: ["job"], maxAttempts: {}, startNow: limit,
    });
    if (batch.length === 0) return claimed;
    claimed.push(...batch.map((job) => job.id));
  }
}

test("10,000 mixed jobs on two queues are claimed by priority, then due time, then sending order; later ones are left", async () => {
  const app = testApp("claim_order");
  const sql = dbClient();
  try {
    await app.migrate();
    const now = Date.now();
    // A seeded mix, so a failure can be replayed.
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (let chunk = 0; chunk < 10; chunk++) {
      const queue = chunk % 2 === 0 ? "a" : "b";
      for (let i = 0; i < 1_000; i += 100) {
        const priority = Math.floor(random() * 10);
        // Most are due now (sending order decides); some were due minutes ago.
        const eta = random() < 0.3 ? new Date(now - Math.floor(random() * 600) * 1_000) : undefined;
        await app.sendMany("job", Array.from({ length: 100 }, (_, k) => [chunk * 1_000 + i + k]), { queue, priority, ...(eta ? { eta } : {}) });
      }
    }
    // Later jobs at the highest priority: never claimed now, never in the way.
    await app.sendMany("job", Array.from({ length: 500 }, (_, k) => [k]), { queue: "a", priority: 9, countdown: "1h" });

    const expected = (await sql.unsafe(`
      select id::text from "${app.config.schema}".jobs
      where run_at <= now() order by priority desc, run_at, seq`)).map((r) => r.id as string);
    assert.equal(expected.length, 10_000);
    const claimed = await claimAll(app, ["a", "b"], 97);
    assert.equal(claimed.length, 10_000, "every due job, and none of the later ones");
    const firstWrong = claimed.findIndex((id, i) => id !== expected[i]);
    assert.equal(firstWrong, -1, `claim ${firstWrong} broke the order`);
    const [{ left }] = await sql.unsafe(`select count(*)::int as left from "${app.config.schema}".jobs where state = 'queued'`);
    assert.equal(left, 500);
  } finally {
    await sql.end();
    await disposeApp(app);
  }
});

test("a due job among 20,000 later ones of higher priority is claimed first, and an idle worker runs due jobs while they wait", async () => {
  const app = testApp("claim_starve");
  let worker: Worker | undefined;
  try {
    app.task("job", (n: number) => n * 2);
    await app.migrate();
    for (let i = 0; i < 20_000; i += 10_000) {
      await app.sendMany("job", Array.from({ length: 10_000 }, (_, k) => [i + k]), { priority: 9, countdown: "1h" });
    }
    const due = await app.sendTask("job", [21], { priority: 0 });
    assert.deepEqual(await claimAll(app, ["default"], 10), [due.id]);
    await app.transport.jobReleaseMany([{ id: due.id, attempt: 1 }], "test:claims");

    worker = new Worker(app, { queues: ["default"] });
    await worker.start();
    const late = await app.sendTask("job", [50], { priority: 0 });
    assert.equal(await late.get({ timeout: 10_000 }), 100);
    assert.equal(await due.get({ timeout: 10_000 }), 42);
    // How fast is the bench's business (W8: pickup among 1,000,000 later jobs).
  } finally {
    await worker?.stop({ graceMs: 1_000 });
    await disposeApp(app);
  }
});
