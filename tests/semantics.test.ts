/** Task-level behaviour inside one process: context, argument schemas, retries, result expiry, resilience. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { App, InvalidArguments, type TaskContext, TaskFailed, Worker } from "../mod.ts";
import { dbClient, disposeApp, eventually, testApp, needsServer } from "./_helpers.ts";

test("a handler sees its context as `this`: id, name, retries, queue, root id and an AbortSignal", async () => {
  const app = testApp("context");
  let seen: Partial<TaskContext> = {};
  const inspect = app.task({ name: "inspect", queue: "ctx" }, function (this: TaskContext, n: number) {
    seen = { id: this.id, name: this.name, retries: this.retries, queue: this.queue, rootId: this.rootId, attempt: this.attempt };
    return n * 2 + (this.signal.aborted ? 1 : 0);
  });
  const worker = new Worker(app, { queues: ["ctx"] });
  await worker.start();
  try {
    const result = await inspect.delay(21);
    assert.equal(await result.get({ timeout: 10_000 }), 42);
    assert.deepEqual(seen, { id: result.id, name: "inspect", retries: 0, queue: "ctx", rootId: result.id, attempt: 1 });
  } finally {
    await worker.stop();
    await disposeApp(app);
  }
});

test("arguments that break a task's argsSchema are refused on send and failed on receive", async () => {
  const app = testApp("argschema");
  let ran = 0;
  const square = app.task({
    name: "square",
    argsSchema: { type: "array", items: [{ type: "number" }], minItems: 1, maxItems: 1 },
  }, (n: number) => (ran++, n * n));
  const worker = new Worker(app);
  await worker.start();
  try {
    // deno-lint-ignore no-explicit-any
    await assert.rejects(square.delay("seven" as any), (e: unknown) => e instanceof InvalidArguments && /argsSchema/.test(e.message));
    // Sent by name from an app that has the task: checked all the same.
    await assert.rejects(app.sendTask("square", ["seven"]), InvalidArguments);
    // Sent by name from a process without the task's code: the worker refuses it.
    const producer = new App({ databaseUrl: app.config.databaseUrl, schema: app.config.schema, logLevel: "silent" });
    const byName = await producer.sendTask("square", ["seven"]);
    await producer.close();
    await assert.rejects(app.asyncResult(byName.id).get({ timeout: 10_000 }), (e: unknown) => e instanceof TaskFailed && e.name === "InvalidArguments");
    assert.equal(await (await square.delay(7)).get({ timeout: 10_000 }), 49);
    assert.equal(ran, 1);
  } finally {
    await worker.stop();
    await disposeApp(app);
  }
});

test("throw this.retry() runs the task again after the countdown, up to maxRetries, then fails with the error", async () => {
  const app = testApp("retry");
  const attempts: number[] = [];
  const flaky = app.task({ name: "flaky", maxRetries: 5 }, function (this: TaskContext, succeedOn: number) {
    attempts.push(this.retries);
    if (this.retries < succeedOn) throw this.retry({ countdown: 50, error: new Error(`not yet (${this.retries})`) });
    return this.retries;
  });
  const hopeless = app.task({ name: "hopeless", maxRetries: 2 }, function (this: TaskContext) {
    throw this.retry({ countdown: 10, error: new TypeError("still broken") });
  });
  const worker = new Worker(app);
  await worker.start();
  try {
    const ok = await flaky.delay(3);
    assert.equal(await ok.get({ timeout: 10_000 }), 3);
    assert.deepEqual(attempts, [0, 1, 2, 3]);
    const record = await ok.record();
    assert.equal(record.attempts, 4, "each retry was a new claim of the same job row");

    const failed = await hopeless.delay();
    await assert.rejects(failed.get({ timeout: 10_000 }), (e: unknown) => {
      assert.ok(e instanceof TaskFailed);
      assert.equal(e.name, "TypeError");
      assert.match(e.message, /still broken \(out of retries: 2 of 2 used\)/);
      return true;
    });
  } finally {
    await worker.stop();
    await disposeApp(app);
  }
});

test("results past their expiry are deleted by the maintenance sweep", async () => {
  const app = testApp("expiry", { resultTtl: 200, maintenanceInterval: 100 });
  const add = app.task("add", (a: number, b: number) => a + b);
  const worker = new Worker(app);
  await worker.start();
  try {
    const result = await add.delay(1, 2);
    assert.equal(await result.get({ timeout: 10_000 }), 3);
    await eventually(async () => (await result.status()) === "PENDING", 10_000, "the result to expire");
  } finally {
    await worker.stop();
    await disposeApp(app);
  }
});

test("a worker survives its database connections being killed and still finishes every job once", needsServer("killing backends"), async () => {
  const app = testApp("resilience", { name: `resilience_${crypto.randomUUID().slice(0, 6)}`, pollInterval: 100 });
  const runs = new Map<number, number>();
  const count = app.task("count", async (i: number) => {
    runs.set(i, (runs.get(i) ?? 0) + 1);
    await new Promise((r) => setTimeout(r, 5));
    return i;
  });
  const sql = dbClient();
  const worker = new Worker(app, { concurrency: 5 });
  await worker.start();
  try {
    const results = await count.delayMany(Array.from({ length: 300 }, (_, i) => [i]));
    for (let kill = 0; kill < 3; kill++) {
      await new Promise((r) => setTimeout(r, 150));
      await sql.unsafe(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1`, [`tq:${app.name}`]);
    }
    const values = await Promise.all(results.map((r) => r.get({ timeout: 60_000 })));
    assert.deepEqual(values, Array.from({ length: 300 }, (_, i) => i));
    assert.equal(runs.size, 300);
    assert.ok([...runs.values()].every((n) => n === 1), "no job ran twice: completions were retried, not the jobs");
  } finally {
    await worker.stop();
    await sql.end();
    await disposeApp(app);
  }
});
