/**
 * tq vacuums its own tables when autovacuum does not (docs/performance.md,
 * W9): a worker's maintenance sweep finds the dead rows its drain left in
 * the hot table and removes them. The table's autovacuum is switched off
 * here, so the test holds whether the server runs autovacuum or not.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Worker } from "../mod.ts";
import { dbClient, disposeApp, eventually, testApp } from "./_helpers.ts";

test("a worker vacuums the jobs table once its drain leaves it with many dead rows, and not below the threshold", async () => {
  const app = testApp("vacuum", { maintenanceInterval: "300ms" });
  app.task({ name: "noop", ignoreResult: true }, (_n: number) => {});
  const sql = dbClient();
  const schema = app.config.schema;
  let worker: Worker | undefined;
  try {
    await app.migrate();
    await sql.unsafe(`alter table "${schema}".jobs set (autovacuum_enabled = false)`);
    const vacuumCount = async () => {
      const [row] = await sql.unsafe(
        `select vacuum_count::int as n, n_dead_tup::int as dead from pg_stat_user_tables where schemaname = $1 and relname = 'jobs'`,
        [schema],
      );
      return row as unknown as { n: number; dead: number };
    };
    // 1,000 dead rows are under the threshold: no vacuum for them.
    await app.sendMany("noop", Array.from({ length: 1_000 }, (_, k) => [k]));
    const own = await sql.reserve();
    await own.unsafe(`delete from "${schema}".jobs`);
    await own.unsafe(`select pg_stat_force_next_flush()`);
    own.release();
    await eventually(async () => (await vacuumCount()).dead >= 1_000, 20_000, "the dead rows counted");
    assert.deepEqual((await app.transport.vacuumBehind()).map((v) => v.table), [], "nothing to vacuum under the threshold");

    // 15,000 jobs leave about 30,000 dead row versions (claim, then delete).
    for (let i = 0; i < 15; i++) await app.sendMany("noop", Array.from({ length: 1_000 }, (_, k) => [k]));
    worker = new Worker(app, { concurrency: 10 });
    await worker.start();
    await eventually(async () => {
      const [{ left }] = await sql.unsafe(`select count(*)::int as left from "${schema}".jobs`);
      return left === 0;
    }, 60_000, "the drain");
    await eventually(async () => (await vacuumCount()).n >= 1, 30_000, "a vacuum of jobs by the worker");
    await eventually(async () => (await vacuumCount()).dead < 10_000, 30_000, "the dead rows removed");
  } finally {
    await worker?.stop();
    await sql.end();
    await disposeApp(app);
  }
});
