/**
 * Plans made for a small jobs table stay good for a large one
 * (docs/performance.md, step 13): a connection keeps its statements' generic
 * plans, made for the table's size at the time. A worker whose plans were
 * made just after an ANALYZE of an almost empty table must still find rows
 * by index once thousands are queued, never by reading the whole table.
 * PostgreSQL's own count of scans of the table is the witness.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Worker } from "../mod.ts";
import { dbClient, disposeApp, eventually, needsServer, testApp } from "./_helpers.ts";

test("a worker whose plans were made for an almost empty jobs table never scans the whole table once it fills", needsServer("it counts whole-table scans in the server's statistics (pg_stat_user_tables)"), async () => {
  // The schema is made by another app, closed before the count starts: a
  // backend's counts (the migration's index builds read the table) reach the
  // statistics when it ends.
  const setup = testApp("hot_plans");
  const schema = setup.config.schema;
  const app = testApp("hot_plans", { schema });
  app.task("double", (n: number) => n * 2);
  const sql = dbClient();
  let worker: Worker | undefined;
  const finished = async () => {
    const [{ n }] = await sql.unsafe(`select count(*)::int as n from "${schema}".results`);
    return n as number;
  };
  const wholeTableScans = async () => {
    const [{ n }] = await sql.unsafe(
      `select seq_scan::int as n from pg_stat_user_tables where schemaname = $1 and relname = 'jobs'`,
      [schema],
    );
    return n as number;
  };
  try {
    setup.task("double", (n: number) => n * 2);
    await setup.sendMany("double", [[1], [2], [3], [4], [5]]);
    await setup.close();
    await sql.unsafe(`analyze "${schema}".jobs`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const before = await wholeTableScans();

    worker = new Worker(app, { concurrency: 10 });
    await worker.start();
    await eventually(async () => (await finished()) === 5, 20_000, "the first five jobs");
    // The worker's statements are planned now, for five rows.
    for (let i = 0; i < 20; i++) await app.sendMany("double", Array.from({ length: 1_000 }, (_, k) => [k]));
    await eventually(async () => (await finished()) === 20_005, 90_000, "20,000 more jobs");
    await worker.stop();
    worker = undefined;
    await app.close();
    assert.equal(await wholeTableScans() - before, 0, "scans of the whole jobs table by the worker");
  } finally {
    await worker?.stop();
    await sql.end();
    await disposeApp(app);
  }
});
