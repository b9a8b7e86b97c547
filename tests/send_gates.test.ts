/**
 * Throttle and debounce at send (docs/flow_control.md): racing senders on
 * separate connections get one job between them, and what ran is counted in
 * the database (results), not in the senders' memory.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { App, ConfigError, Worker } from "../mod.ts";
import { DATABASE_URL, dbClient, disposeApp, eventually, testApp } from "./_helpers.ts";

/** `count` apps on the schema of `app`, each with its own connections, as separate senders would be. */
function senders(app: App, count: number): App[] {
  return Array.from({ length: count }, () => new App({ databaseUrl: DATABASE_URL, schema: app.config.schema, logLevel: "silent", poolSize: 2 }));
}

async function runsOf(schema: string, task: string): Promise<{ id: string; value: unknown }[]> {
  const sql = dbClient();
  try {
    return [...await sql.unsafe(`select id::text, value from "${schema}".results where task = $1 order by finished_at`, [task])] as never;
  } finally {
    await sql.end();
  }
}

test("throttle: 50 racing sends make one job and all get it; a send after the window makes the next", async () => {
  const app = testApp("gate_throttle");
  app.task("report", (n: number) => n);
  const others = senders(app, 5);
  const worker = new Worker(app, { concurrency: 4 });
  try {
    await app.migrate();
    await worker.start();
    const sends = others.flatMap((sender, s) =>
      Array.from({ length: 10 }, (_, i) => sender.sendTask("report", [s * 10 + i], { throttle: { key: "tenant-7", per: "2s" } })));
    const handles = await Promise.all(sends);
    const ids = new Set(handles.map((h) => h.id));
    assert.equal(ids.size, 1, "every send got the same job");
    await handles[0].get({ timeout: 10_000 });
    // Still within the window, after the job finished: the same job again, nothing sent.
    const again = await app.sendTask("report", [99], { throttle: { key: "tenant-7", per: "2s" } });
    assert.equal(again.id, handles[0].id);
    // Another key is not throttled by this one.
    const other = await app.sendTask("report", [7], { throttle: { key: "tenant-8", per: "2s" } });
    assert.notEqual(other.id, handles[0].id);
    await eventually(async () => (await runsOf(app.config.schema, "report")).length === 2, 10_000, "two runs");
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const next = await app.sendTask("report", [100], { throttle: { key: "tenant-7", per: "2s" } });
    assert.notEqual(next.id, handles[0].id, "the window passed: a new job");
    assert.equal(await next.get({ timeout: 10_000 }), 100);
    assert.equal((await runsOf(app.config.schema, "report")).length, 3, "exactly the runs promised: one per window and key");
  } finally {
    await worker.stop();
    for (const sender of others) await sender.close();
    await disposeApp(app);
  }
});

test("debounce: the job runs once, after the quiet period, with the last send's arguments; 50 racing sends share it", async () => {
  const app = testApp("gate_debounce");
  app.task("reindex", (n: number) => n);
  const others = senders(app, 5);
  const worker = new Worker(app, { concurrency: 4 });
  try {
    await app.migrate();
    await worker.start();
    // In turn: each send moves the run time and replaces the arguments.
    const first = await app.sendTask("reindex", [1], { debounce: { key: "doc-1", delay: "600ms" } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = await app.sendTask("reindex", [2], { debounce: { key: "doc-1", delay: "600ms" } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = Date.now();
    const third = await app.sendTask("reindex", [3], { debounce: { key: "doc-1", delay: "600ms" } });
    assert.deepEqual([second.id, third.id], [first.id, first.id], "every send got the waiting job");
    assert.equal(await third.get({ timeout: 10_000 }), 3, "it ran with the last send's arguments");
    assert.ok(Date.now() - started >= 550, `it waited the quiet period after the last send (${Date.now() - started} ms)`);
    assert.deepEqual((await runsOf(app.config.schema, "reindex")).map((r) => r.value), [3], "once");

    // Racing: 50 sends at once from 5 connections, one run.
    const sends = others.flatMap((sender, s) =>
      Array.from({ length: 10 }, (_, i) => sender.sendTask("reindex", [100 + s * 10 + i], { debounce: { key: "doc-2", delay: "500ms" } })));
    const handles = await Promise.all(sends);
    assert.equal(new Set(handles.map((h) => h.id)).size, 1, "every racing send got the same job");
    const value = await handles[0].get({ timeout: 10_000 });
    assert.ok(typeof value === "number" && value >= 100 && value < 150);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal((await runsOf(app.config.schema, "reindex")).length, 2, "the racing burst ran once");

    // After it ran, a send starts a new burst.
    const later = await app.sendTask("reindex", [7], { debounce: { key: "doc-2", delay: "100ms" } });
    assert.notEqual(later.id, handles[0].id);
    assert.equal(await later.get({ timeout: 10_000 }), 7);

    // The sweep forgets keys whose job ran; a waiting job's key stays.
    const waiting = await app.sendTask("reindex", [8], { debounce: { key: "doc-3", delay: "1h" } });
    const why = await app.why(waiting.id);
    assert.ok(why.reasons.some((r) => r.code === "debounced" && /key "doc-3"/.test(r.message)), JSON.stringify(why));
    await app.transport.resultCleanExpired();
    const sql = dbClient();
    try {
      const keys = await sql.unsafe(`select key, job_id::text as job from "${app.config.schema}".send_gates order by key`);
      assert.deepEqual(keys.map((k) => [k.key, k.job]), [["doc-3", waiting.id]]);
    } finally {
      await sql.end();
    }
  } finally {
    await worker.stop();
    for (const sender of others) await sender.close();
    await disposeApp(app);
  }
});

test("throttle and debounce refuse what they cannot mean, naming the option", async () => {
  const app = testApp("gate_bad");
  app.task("t", () => 1);
  try {
    const refused = async (options: Record<string, unknown>, pattern: RegExp) =>
      await assert.rejects(app.sendTask("t", [], options), (e: unknown) => e instanceof ConfigError && pattern.test((e as Error).message));
    await refused({ throttle: { key: "", per: "1s" } }, /"throttle" needs a non-empty key/);
    await refused({ throttle: { key: "k", per: "soon" } }, /"throttle" needs per as a duration/);
    await refused({ debounce: { key: "k" } }, /"debounce" needs delay as a duration/);
    await refused({ throttle: { key: "k", per: "1s" }, debounce: { key: "k", delay: "1s" } }, /cannot be used together/);
    await refused({ debounce: { key: "k", delay: "1s" }, countdown: "5s" }, /"debounce" cannot be used with "countdown"/);
    await refused({ throttle: { key: "k", per: "1s" }, uniqueKey: "u" }, /"throttle" cannot be used with "uniqueKey"/);
  } finally {
    await disposeApp(app);
  }
});
