/**
 * Unique keys under racing senders: however many senders race for one key,
 * each in a statement of its own or inside its own transaction, one job holds
 * the key while it is queued or running, and every sender gets that job's id.
 * Once the holder has left the queue (done, failed, purged, revoked) and its
 * window has passed, the next send makes a new job.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import postgres from "postgres";
import { type App, TaskFailed, Worker } from "../mod.ts";
import { DATABASE_URL, dbClient, disposeApp, eventually, needsServer, testApp } from "./_helpers.ts";

const KEYS = 20;
const SENDERS = 50;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const keyName = (k: number) => `account-${k}`;

type Db = ReturnType<typeof dbClient>;

/** The ids of the jobs in the hot table, by unique key. */
async function jobsByKey(sql: Db, app: App): Promise<Map<string, string[]>> {
  const rows = await sql.unsafe(
    `select message->>'uniqueKey' as key, array_agg(id::text order by id) as ids
     from "${app.config.schema}".jobs where message ? 'uniqueKey' group by 1`,
  );
  return new Map(rows.map((r) => [r.key as string, r.ids as string[]]));
}

/**
 * Asserts one job per key, and that every id a sender got back for the key
 * (`returned[k]`) names that job; returns the jobs' ids by key index.
 */
async function assertOneJobPerKey(sql: Db, app: App, returned: string[][]): Promise<string[]> {
  const jobs = await jobsByKey(sql, app);
  const holders: string[] = [];
  const counts = returned.map((_, k) => jobs.get(keyName(k))?.length ?? 0);
  assert.deepEqual(counts, returned.map(() => 1), `jobs per key: ${counts.join(", ")}`);
  returned.forEach((ids, k) => {
    const [holder] = jobs.get(keyName(k))!;
    assert.deepEqual(new Set(ids), new Set([holder]), `every sender of ${keyName(k)} got the job that holds it`);
    holders.push(holder);
  });
  return holders;
}

/**
 * Fires SENDERS sends of each of KEYS keys at once, one key's senders after
 * another so that the connections in flight mostly race for the same key;
 * returns the ids by key index.
 */
async function race(send: (key: string, k: number, i: number) => Promise<string>): Promise<string[][]> {
  const calls: Promise<{ k: number; id: string }>[] = [];
  for (let k = 0; k < KEYS; k++) {
    for (let i = 0; i < SENDERS; i++) calls.push(send(keyName(k), k, i).then((id) => ({ k, id })));
  }
  const returned: string[][] = Array.from({ length: KEYS }, () => []);
  for (const { k, id } of await Promise.all(calls)) returned[k].push(id);
  return returned;
}

/** Runs `fn` with a started worker, then stops it and drops the app's schema (also when starting failed). */
async function withWorker(app: App, fn: () => Promise<void>): Promise<void> {
  const worker = new Worker(app);
  try {
    await worker.start();
    await fn();
  } finally {
    await worker.stop({ graceMs: 1_000 });
    await disposeApp(app);
  }
}

/** An app with one task, `sync`, that returns its argument; its pool lets 25 sends run at once. */
function syncApp(prefix: string) {
  const app = testApp(prefix, { poolSize: 25 });
  const sync = app.task("sync", (k: number) => k);
  return { app, sync };
}

test(`${SENDERS} racing sends of each of ${KEYS} unique keys make one job per key, and every sender gets its id`, needsServer("racing sessions"), async () => {
  const { app, sync } = syncApp("urace");
  const sql = dbClient();
  try {
    await app.migrate();
    const returned = await race(async (uniqueKey, k, i) =>
      (i % 2 ? await app.sendTask("sync", [k], { uniqueKey }) : await sync.applyAsync([k], { uniqueKey })).id
    );
    await assertOneJobPerKey(sql, app, returned);
  } finally {
    await sql.end();
    await disposeApp(app);
  }
});

test("senders racing in their own transactions make one job per key, and every sender gets its id", needsServer("racing sessions"), async () => {
  const { app } = syncApp("urace_tx");
  // One connection per transaction in flight, so that many hold or wait for a key at once.
  const callers = postgres(DATABASE_URL, { max: 25, onnotice: () => {} });
  const sql = dbClient();
  try {
    await app.migrate();
    const returned = await race((uniqueKey, k, i) =>
      callers.begin(async (tx) => {
        const sent = await app.sendTask("sync", [k], { uniqueKey, sql: tx });
        // The caller's own work after the send: its key stays locked until the commit.
        await sleep(i % 4);
        return sent.id;
      }) as Promise<string>
    );
    await assertOneJobPerKey(sql, app, returned);
  } finally {
    await callers.end();
    await sql.end();
    await disposeApp(app);
  }
});

test("once the holders have finished, racing senders make exactly one new job per key", needsServer("racing sessions"), async () => {
  const { app, sync } = syncApp("urace_next");
  const sql = dbClient();
  try {
    const first = await Promise.all(Array.from({ length: KEYS }, (_, k) => sync.applyAsync([k], { uniqueKey: keyName(k) })));
    const worker = new Worker(app);
    try {
      await worker.start();
      assert.deepEqual(await Promise.all(first.map((r) => r.get({ timeout: 20_000 }))), first.map((_, k) => k));
    } finally {
      await worker.stop();
    }
    // Every key's row in `uniques` still names a finished job: each racer may take it over, one wins.
    const returned = await race(async (uniqueKey, k) => (await sync.applyAsync([k], { uniqueKey })).id);
    const holders = await assertOneJobPerKey(sql, app, returned);
    holders.forEach((id, k) => assert.notEqual(id, first[k].id, `${keyName(k)} has a new job`));
  } finally {
    await sql.end();
    await disposeApp(app);
  }
});

test("a key is free again once its holder succeeded, failed, was purged or was revoked", async () => {
  const app = testApp("ufree");
  const ok = app.task("ok", () => "done");
  const boom = app.task({ name: "boom", maxRetries: 0 }, () => {
    throw new RangeError("broken");
  });
  const parked = app.task({ name: "parked", queue: "parked" }, () => "never runs");
  await withWorker(app, async () => {
    const succeeded = await ok.applyAsync([], { uniqueKey: "ok" });
    assert.equal(await succeeded.get({ timeout: 10_000 }), "done");
    assert.notEqual((await ok.applyAsync([], { uniqueKey: "ok" })).id, succeeded.id);

    const failed = await boom.applyAsync([], { uniqueKey: "boom" });
    await assert.rejects(failed.get({ timeout: 10_000 }), (e: unknown) => e instanceof TaskFailed && e.name === "RangeError");
    assert.notEqual((await boom.applyAsync([], { uniqueKey: "boom" })).id, failed.id);

    const purged = await parked.applyAsync([], { uniqueKey: "purged" });
    assert.equal((await parked.applyAsync([], { uniqueKey: "purged" })).id, purged.id, "held while queued");
    assert.equal(await app.control.purge("parked"), 1);
    assert.notEqual((await parked.applyAsync([], { uniqueKey: "purged" })).id, purged.id);

    const revoked = await parked.applyAsync([], { uniqueKey: "revoked" });
    assert.equal(await revoked.revoke(), "revoked");
    assert.notEqual((await parked.applyAsync([], { uniqueKey: "revoked" })).id, revoked.id);
  });
});

test("a finished job keeps its key until its window has passed, then the next send makes a new job", async () => {
  const { app, sync } = syncApp("uwindow");
  await withWorker(app, async () => {
    const sentAt = Date.now();
    const first = await sync.applyAsync([1], { uniqueKey: "windowed", uniqueWindow: 2_500 });
    await first.get({ timeout: 10_000 });
    assert.equal((await sync.applyAsync([1], { uniqueKey: "windowed" })).id, first.id, "finished, within the window");
    // The window runs from the sending statement's start by the database clock, which is after sentAt.
    let again = first.id;
    await eventually(async () => (again = (await sync.applyAsync([1], { uniqueKey: "windowed" })).id) !== first.id, 10_000, "a new job");
    assert.ok(Date.now() - sentAt >= 2_450, `the key was free ${Date.now() - sentAt} ms after sending`);
    assert.equal((await sync.applyAsync([1], { uniqueKey: "windowed" })).id, again, "the new job holds the key");
  });
});

test("the expiry sweep deletes a key only once its job has left the queue and its window has passed", async () => {
  const { app, sync } = syncApp("usweep");
  const parked = app.task({ name: "parked", queue: "parked" }, () => "never runs");
  const sql = dbClient();
  await withWorker(app, async () => {
    await parked.applyAsync([], { uniqueKey: "queued" });
    await (await sync.applyAsync([1], { uniqueKey: "finished" })).get({ timeout: 10_000 });
    await (await sync.applyAsync([2], { uniqueKey: "windowed", uniqueWindow: "1h" })).get({ timeout: 10_000 });
    await app.transport.resultCleanExpired();
    const rows = await sql.unsafe(`select key from "${app.config.schema}".uniques order by key`);
    assert.deepEqual(rows.map((r) => r.key), ["queued", "windowed"]);
  }).finally(() => sql.end());
});
