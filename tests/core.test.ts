import { test } from "node:test";
import assert from "node:assert/strict";
import { App, ConfigError, InvalidMessage, LamportClock, ResultTimeout, TaskFailed, TaskNotRegistered, Worker } from "../mod.ts";
import { dbClient, disposeApp, testApp, EMBEDDED } from "./_helpers.ts";
import { migrations } from "../transports/postgres/_sql.ts";

const TTLS = { resultTtlMs: 60_000, failedTtlMs: 60_000 };

async function withWorker<T>(app: App, fn: (worker: Worker) => Promise<T>, options = {}): Promise<T> {
  const worker = new Worker(app, options);
  await worker.start();
  try {
    return await fn(worker);
  } finally {
    await worker.stop({ graceMs: 2_000 });
  }
}

test("a task's result comes back typed, and a handler's error comes back with its type and message", async () => {
  const app = testApp("roundtrip");
  const add = app.task("add", (a: number, b: number) => a + b);
  const shout = app.task("shout", function (this: { id: string }, word: string) {
    return { word: word.toUpperCase(), id: this.id };
  });
  const boom = app.task("boom", () => {
    throw new RangeError("out of range");
  });
  const throwsString = app.task("throws-string", () => {
    throw "plain string";
  });
  try {
    await withWorker(app, async () => {
      const sum: number = await (await add.delay(2, 3)).get({ timeout: 10_000 });
      assert.equal(sum, 5);
      const handle = await shout.delay("hi");
      assert.deepEqual(await handle.get({ timeout: 10_000 }), { word: "HI", id: handle.id });
      assert.equal(await handle.status(), "SUCCESS");
      assert.equal(await handle.successful(), true);

      const failed = await boom.delay();
      await assert.rejects(failed.get({ timeout: 10_000 }), (error: unknown) => {
        assert.ok(error instanceof TaskFailed);
        assert.equal(error.name, "RangeError");
        assert.equal(error.message, "out of range");
        assert.match(error.remoteStack ?? "", /RangeError/);
        return true;
      });
      assert.equal(await failed.failed(), true);

      await assert.rejects((await throwsString.delay()).get({ timeout: 10_000 }), /non-Error value: plain string/);

      const byName = await app.sendTask<number>("add", [40, 2]);
      assert.equal(await byName.get({ timeout: 10_000 }), 42);
      await byName.forget();
      assert.equal(await byName.status(), "PENDING");
    });
  } finally {
    await disposeApp(app);
  }
});

test("a worker never claims a job of a task it does not have: the job waits, and why says no live worker has the task", async () => {
  const app = testApp("unknown");
  const add = app.task("add", (a: number, b: number) => a + b);
  const sql = dbClient();
  try {
    await withWorker(app, async () => {
      const unknown = await app.sendTask("ad", [1, 2]);
      // A job the worker can run, sent after: once it is done, the worker has looked at the queue.
      assert.equal(await (await add.delay(2, 3)).get({ timeout: 10_000 }), 5);
      const [row] = await sql.unsafe(`select state, attempt from "${app.config.schema}".jobs where id = $1`, [unknown.id]);
      assert.deepEqual({ ...row }, { state: "queued", attempt: 0 });
      assert.equal(await unknown.status(), "PENDING");
      const report = await app.why(unknown.id);
      assert.ok(report.reasons.some((r) => r.code === "not-registered"), JSON.stringify(report));
    });
  } finally {
    await sql.end();
    await disposeApp(app);
  }
});

test("a message that fails the schema never reaches a handler and is stored as failed with the reason", async () => {
  const app = testApp("invalid");
  let ran = 0;
  app.task("add", () => ++ran);
  const sql = dbClient();
  try {
    await app.migrate();
    const id = crypto.randomUUID();
    // A producer that bypassed tq wrote a message with args as a string.
    await sql.unsafe(
      `insert into "${app.config.schema}".jobs (id, queue, priority, max_attempts, message) values ($1, 'default', 5, 1, $2::text::jsonb)`,
      [id, JSON.stringify({ v: 1, id, task: "add", args: "1,2" })],
    );
    await withWorker(app, async () => {
      await assert.rejects(app.asyncResult(id).get({ timeout: 10_000 }), (error: unknown) => {
        assert.ok(error instanceof TaskFailed);
        assert.equal(error.name, "InvalidMessage");
        assert.match(error.message, /does not match the protocol/);
        return true;
      });
    });
    assert.equal(ran, 0);
  } finally {
    await sql.end();
    await disposeApp(app);
  }
});

test("sending validates messages: bad options, oversized payloads and unknown options are refused before anything is stored", async () => {
  const app = testApp("validate", { maxMessageBytes: 2048 });
  const echo = app.task("echo", (text: string) => text);
  try {
    await assert.rejects(echo.delay("x".repeat(5000)), (error: unknown) => {
      assert.ok(error instanceof InvalidMessage);
      assert.match(error.message, /over the limit of 2048/);
      return true;
    });
    await assert.rejects(echo.applyAsync(["x"], { priority: 12 }), /priority/);
    await assert.rejects(echo.applyAsync(["x"], { queue: "bad queue!" }), /queue/);
    assert.throws(() => new App({ concurrency: 0 }), (e: unknown) => e instanceof ConfigError && /"concurrency"/.test(e.message));
    assert.throws(() => new App({ schema: "Bad-Schema" }), /"schema"/);
    // deno-lint-ignore no-explicit-any
    assert.throws(() => new App({ concurency: 3 } as any), /Unknown option "concurency"/);
    assert.throws(() => new App({ lease: "soon" }), /"lease" must be a duration/);
    assert.throws(() => app.task("echo", () => 1), TaskNotRegistered);
  } finally {
    await disposeApp(app);
  }
});

test("get() rejects with ResultTimeout when no worker runs the task in time", async () => {
  const app = testApp("timeout");
  const add = app.task("add", (a: number, b: number) => a + b);
  try {
    const result = await add.delay(1, 1);
    await assert.rejects(result.get({ timeout: 300 }), ResultTimeout);
    assert.equal(await result.status(), "PENDING");
  } finally {
    await disposeApp(app);
  }
});

test("jobs are claimed by priority (9 first) and FIFO within a priority, and only from the worker's queues", async () => {
  const app = testApp("priority");
  const order: string[] = [];
  const note = app.task("note", (label: string) => void order.push(label));
  try {
    await note.applyAsync(["p1-a"], { priority: 1 });
    await note.applyAsync(["p9-a"], { priority: 9 });
    await note.applyAsync(["p5-a"], { priority: 5 });
    await note.applyAsync(["p9-b"], { priority: 9 });
    await note.applyAsync(["p1-b"], { priority: 1 });
    await note.delayMany([["p5-b"], ["p5-c"]]);
    await note.applyAsync(["other-queue"], { queue: "elsewhere", priority: 9 });
    const { jobs: claimed } = await app.transport.jobClaim({ queues: ["default"], limit: 100, workerId: "test", leaseMs: 60_000, tasks: ["note"], maxAttempts: {}, startNow: 0 });
    // deno-lint-ignore no-explicit-any
    assert.deepEqual(claimed.map((j) => (j.message as any).args[0]), ["p9-a", "p9-b", "p5-a", "p5-b", "p5-c", "p1-a", "p1-b"]);

    // A worker with concurrency 1 runs them in the same order.
    await app.transport.jobReleaseMany(claimed, "test");
    await withWorker(app, async () => {
      const last = await app.sendTask("note", ["last"], { priority: 0 });
      await last.get({ timeout: 10_000 });
    }, { concurrency: 1, prefetch: 0 });
    assert.deepEqual(order, ["p9-a", "p9-b", "p5-a", "p5-b", "p5-c", "p1-a", "p1-b", "last"]);
    const { jobs: elsewhere } = await app.transport.jobClaim({ queues: ["elsewhere"], limit: 10, workerId: "test", leaseMs: 60_000, tasks: ["note"], maxAttempts: {}, startNow: 0 });
    assert.equal(elsewhere.length, 1, "the job routed to another queue was not run by a default-queue worker");
  } finally {
    await disposeApp(app);
  }
});

test("bulk enqueue of 10,000 jobs in one call stores them all, and a worker drains them", async () => {
  const app = testApp("bulk", { batchSize: 200 });
  const noop = app.task("noop", (_i: number) => null);
  const sql = dbClient();
  try {
    const results = await noop.delayMany(Array.from({ length: 10_000 }, (_, i) => [i]));
    assert.equal(results.length, 10_000);
    assert.equal(new Set(results.map((r) => r.id)).size, 10_000);
    const [{ count }] = await sql.unsafe(`select count(*)::int as count from "${app.config.schema}".jobs`);
    assert.equal(count, 10_000);
    await withWorker(app, async () => {
      await results[results.length - 1].get({ timeout: 60_000 });
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        const [{ left }] = await sql.unsafe(`select count(*)::int as left from "${app.config.schema}".jobs`);
        if (left === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    }, { concurrency: 20 });
    const [{ done }] = await sql.unsafe(`select count(*)::int as done from "${app.config.schema}".results where state = 'SUCCESS'`);
    assert.equal(done, 10_000);
  } finally {
    await sql.end();
    await disposeApp(app);
  }
});

test("two apps with different schemas in one process do not see each other's jobs", async () => {
  const first = testApp("apps_a");
  const second = testApp("apps_b");
  const ranBy: string[] = [];
  first.task("who", () => void ranBy.push("first"));
  second.task("who", () => void ranBy.push("second"));
  try {
    const worker = new Worker(second);
    await worker.start();
    try {
      const fromFirst = await first.sendTask("who", []);
      const fromSecond = await second.sendTask("who", []);
      await fromSecond.get({ timeout: 10_000 });
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(await fromFirst.status(), "PENDING");
      assert.deepEqual(ranBy, ["second"]);
    } finally {
      await worker.stop();
    }
  } finally {
    await disposeApp(first);
    await disposeApp(second);
  }
});

test("a job sent in a rolled-back transaction never exists; one sent in a committed transaction runs", async () => {
  const app = testApp("tx");
  const add = app.task("add", (a: number, b: number) => a + b);
  const sql = dbClient();
  try {
    await app.migrate();
    let rolledBackId = "";
    await assert.rejects(sql.begin(async (tx) => {
      rolledBackId = (await add.applyAsync([1, 1], { sql: tx })).id;
      throw new Error("business rule failed");
    }), /business rule failed/);
    let committed!: Awaited<ReturnType<typeof add.delay>>;
    await sql.begin(async (tx) => {
      committed = await add.applyAsync([2, 2], { sql: tx });
      // Not visible outside the transaction before commit. (The embedded database runs one
      // transaction at a time, so a read from another connection would wait for this one.)
      if (!EMBEDDED) assert.equal(await app.asyncResult(committed.id).status(), "PENDING");
    });
    await withWorker(app, async () => {
      assert.equal(await committed.get({ timeout: 10_000 }), 4);
    });
    const [{ count }] = await sql.unsafe(
      `select (select count(*) from "${app.config.schema}".jobs where id = $1) + (select count(*) from "${app.config.schema}".results where id = $1) as count`,
      [rolledBackId],
    );
    assert.equal(Number(count), 0);
  } finally {
    await sql.end();
    await disposeApp(app);
  }
});

test("a completion carrying a stale attempt token changes nothing", async () => {
  const app = testApp("fencing");
  app.task("add", (a: number, b: number) => a + b);
  const transport = () => app.transport;
  try {
    const sent = await app.sendTask("add", [1, 2]);
    const { jobs: [first] } = await transport().jobClaim({ queues: ["default"], limit: 1, workerId: "w1", leaseMs: 1, tasks: ["add"], maxAttempts: { add: 4 }, startNow: 1 });
    assert.equal(first.attempt, 1);
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(await transport().jobRescueExpired(TTLS), { requeued: 1, failed: 0, revoked: 0 });
    const { jobs: [second] } = await transport().jobClaim({ queues: ["default"], limit: 1, workerId: "w2", leaseMs: 60_000, tasks: ["add"], maxAttempts: { add: 4 }, startNow: 1 });
    assert.equal(second.id, first.id);
    assert.equal(second.attempt, 2);
    // The presumed-dead first worker comes back and reports: ignored.
    assert.deepEqual(await transport().jobCompleteMany([{ id: first.id, attempt: 1, state: "FAILURE", error: { type: "Stale", message: "late" } }], TTLS), []);
    assert.equal(await sent.status(), "STARTED");
    assert.deepEqual(await transport().jobCompleteMany([{ id: second.id, attempt: 2, state: "SUCCESS", value: 3 }], TTLS), [second.id]);
    assert.equal(await sent.get({ timeout: 1_000 }), 3);
    // A repeated completion (a retried write after a dropped connection) changes nothing either.
    assert.deepEqual(await transport().jobCompleteMany([{ id: second.id, attempt: 2, state: "FAILURE", error: { type: "X", message: "y" } }], TTLS), []);
    assert.equal(await sent.get({ timeout: 1_000 }), 3);
  } finally {
    await disposeApp(app);
  }
});

test("migrations run once when several apps start on the same schema at the same moment", async () => {
  const first = testApp("migrate");
  const others = Array.from({ length: 3 }, () => testApp("migrate", { schema: first.config.schema }));
  try {
    const applied = await Promise.all([first, ...others].map((a) => a.migrate()));
    assert.equal(applied.reduce((a, b) => a + b, 0), migrations.length, "each migration was applied by exactly one app");
    assert.equal(await first.migrate(), 0);
  } finally {
    for (const app of others) await app.close();
    await disposeApp(first);
  }
});

test("the Lamport clock moves forward on send and past any remote value it sees", () => {
  const clock = new LamportClock();
  assert.equal(clock.forward(), 1);
  assert.equal(clock.adjust(10), 11);
  assert.equal(clock.adjust(3), 12);
  assert.equal(clock.forward(), 13);
});

test("an unreachable database gives an error naming host and port but never the password", async () => {
  const app = new App({ databaseUrl: "postgres://alice:hunter2secret@127.0.0.1:1/nowhere", logLevel: "silent" });
  const add = app.task("add", (a: number, b: number) => a + b);
  try {
    await assert.rejects(add.delay(1, 2), (error: unknown) => {
      const text = `${(error as Error).message} ${(error as Error).stack}`;
      assert.match((error as Error).message, /Cannot reach PostgreSQL at 127\.0\.0\.1:1\/nowhere/);
      assert.doesNotMatch(text, /hunter2secret/);
      return true;
    });
  } finally {
    await app.close();
  }
});
