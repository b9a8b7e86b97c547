/**
 * The transport's side of database faults, in one process: every error a
 * dropped connection can raise is retried by the worker's writes, quickly;
 * a statement past its deadline is given up only when the server is not
 * running it; closing an app whose server went away takes under a second;
 * the lease sweep rescues any number of orphans in one call.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { App } from "../../mod.ts";
import { DatabaseError } from "../../core/errors.ts";
import { Batcher } from "../../core/batcher.ts";
import { stillRunning } from "../../transports/postgres/deadline.ts";
import { translateError } from "../../transports/postgres/errors.ts";
import { DATABASE_URL, dbClient, disposeApp, dropSchema, needsServer, testApp, uniqueSchema } from "../_helpers.ts";
import { startProxy } from "./_proxy.ts";

/** What postgres.js and the runtimes' sockets raise when a connection drops, and what the server sends before it ends a session. */
const CONNECTION_ERRORS = [
  { code: "CONNECTION_CLOSED", message: "write CONNECTION_CLOSED 127.0.0.1:5432" },
  { code: "CONNECTION_ENDED", message: "write CONNECTION_ENDED 127.0.0.1:5432" },
  { code: "CONNECTION_DESTROYED", message: "write CONNECTION_DESTROYED 127.0.0.1:5432" },
  { code: "CONNECT_TIMEOUT", message: "write CONNECT_TIMEOUT 127.0.0.1:5432" },
  { code: "CONNECTION_STALLED", message: "PostgreSQL at 127.0.0.1:5432 stopped answering" },
  { code: "ECONNRESET", message: "read ECONNRESET" },
  { code: "ECONNREFUSED", message: "connect ECONNREFUSED 127.0.0.1:5432" },
  { code: "EPIPE", message: "write EPIPE" },
  { code: "ETIMEDOUT", message: "read ETIMEDOUT" },
  { code: "ERR_SOCKET_CLOSED", message: "Socket is closed" },
  { code: "ERR_STREAM_DESTROYED", message: "Cannot call write after a stream was destroyed" },
  { code: "57P01", message: "terminating connection due to administrator command" },
  { code: "57P02", message: "terminating connection due to crash of another server process" },
  { code: "57P03", message: "the database system is starting up" },
  { code: "53300", message: "sorry, too many clients already" },
  { code: "08006", message: "connection failure" },
];

test("every error a dropped connection raises is translated as retryable, naming host and port but never the password", () => {
  for (const raw of CONNECTION_ERRORS) {
    const error = translateError(Object.assign(new Error(raw.message), { code: raw.code }), "postgres://app:s3cret@db.example:6543/jobs", "tq");
    assert.ok(error instanceof DatabaseError, raw.code);
    assert.equal(error.retryable, true, `${raw.code} is retryable`);
    assert.match(error.message, /db\.example:6543/, raw.code);
    assert.doesNotMatch(error.message, /s3cret/);
  }
  const statement = translateError(Object.assign(new Error("syntax error"), { code: "42601" }), "postgres://x@h:1/d", "tq");
  assert.equal((statement as DatabaseError).retryable, false, "a statement's own error is not retried");
});

test("a statement past its deadline is waited for while the server still runs it, and given up when its backend is idle, gone or blocked writing to us", () => {
  const found = new Map([
    [1, { state: "active", waitEvent: null }],
    [2, { state: "active", waitEvent: "transactionid" }],
    [3, { state: "idle", waitEvent: "ClientRead" }],
    [4, { state: "active", waitEvent: "ClientWrite" }],
    [5, { state: "idle in transaction", waitEvent: "ClientRead" }],
  ]);
  assert.equal(stillRunning(found, 1), true, "running");
  assert.equal(stillRunning(found, 2), true, "waiting for a lock");
  assert.equal(stillRunning(found, 3), false, "idle: the request or its answer was lost");
  assert.equal(stillRunning(found, 4), false, "blocked sending us its answer");
  assert.equal(stillRunning(found, 5), false, "waiting for a statement we sent");
  assert.equal(stillRunning(found, 6), false, "gone");
  assert.equal(stillRunning(null, 1), false, "the server did not answer the probe");
  assert.equal(stillRunning(found, undefined), true, "not sent yet: the link works");
  assert.equal(stillRunning(new Map(), 1), true, "a server that lists no sessions (the embedded one)");
});

test("a batched write that meets any dropped-connection error is retried until written, within a second of the connection coming back", async () => {
  await Promise.all(CONNECTION_ERRORS.map(async (raw) => {
    const written: number[] = [];
    let failures = 3;
    let healedAt = 0;
    const batcher = new Batcher<number>({
      name: "completions",
      maxBatch: 10,
      logger: { log: () => {} },
      write: (items) => {
        if (failures-- > 0) {
          if (failures === 0) healedAt = Date.now();
          return Promise.reject(translateError(Object.assign(new Error(raw.message), { code: raw.code }), "postgres://h:1/d", "tq"));
        }
        written.push(...items);
        return Promise.resolve();
      },
      onDropped: () => assert.fail(`${raw.code}: an item was dropped instead of retried`),
    });
    batcher.add(1);
    batcher.add(2);
    assert.equal(await batcher.drain(5_000), 0, raw.code);
    assert.deepEqual(written.sort(), [1, 2], raw.code);
    assert.ok(Date.now() - healedAt < 1_100, `${raw.code}: written ${Date.now() - healedAt} ms after the last failure`);
  }));
});

for (const fault of ["down", "stall"] as const) {
  test(`App.close() returns within a second when the server went away (${fault === "down" ? "connections cut" : "link stalled"})`, needsServer("a proxy in front of a real server"), async () => {
    const proxy = await startProxy(DATABASE_URL);
    const schema = uniqueSchema("close");
    const app = new App({ name: `close_${fault}`, databaseUrl: proxy.url, schema, logLevel: "silent", events: true });
    app.task("noop", () => 1);
    try {
      const result = await app.sendTask("noop", []);
      // A waiter keeps the listening connection open; the send used the pool and the notifier.
      const waiting = result.get({ timeout: 60_000 }).catch(() => "closed");
      await new Promise((r) => setTimeout(r, 300));
      if (fault === "down") await proxy.down();
      else proxy.stall({ all: true });
      const started = Date.now();
      await app.close();
      const tookMs = Date.now() - started;
      console.log(`  [faults] App.close() with the server ${fault === "down" ? "down" : "stalled"}: ${tookMs} ms`);
      assert.ok(tookMs < 1_000, `close took ${tookMs} ms`);
      assert.equal(await waiting, "closed");
    } finally {
      await proxy.close();
      await dropSchema(schema);
    }
  });
}

test("one lease sweep rescues every expired lease, however many batches it takes", needsServer("a bulk of orphaned jobs"), async () => {
  const app = testApp("rescue");
  app.task("noop", () => 1);
  const sql = dbClient();
  try {
    await app.sendMany("noop", Array.from({ length: 2_500 }, () => []));
    const schema = app.config.schema;
    // 2,500 jobs whose worker died: running, attempt taken, lease long gone.
    await sql.unsafe(`update "${schema}".jobs set state = 'running', attempt = attempt + 1, worker = 'gone', lease_until = now() - interval '1 minute'`);
    const swept = await app.transport.jobRescueExpired({ resultTtlMs: 60_000, failedTtlMs: 60_000 });
    assert.equal(swept.requeued + swept.failed + swept.revoked, 2_500);
    const [{ running }] = await sql.unsafe(`select count(*)::int as running from "${schema}".jobs where state = 'running'`);
    assert.equal(running, 0, "no orphan is left for the next sweep");
  } finally {
    await sql.end();
    await disposeApp(app);
  }
});
