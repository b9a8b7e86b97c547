/**
 * Values that cannot be stored, arguments that do not fit, options nobody
 * declared: each gets a clear, typed answer at once, and nothing is written
 * that must not be. Outcomes are read back from the database.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { App, ConfigError, InvalidArguments, type Logger, TaskFailed, Worker } from "../mod.ts";
import { dbClient, disposeApp, FIXTURE_TASKS, runCli, testApp } from "./_helpers.ts";

/** A logger that keeps every line it is given. */
function keepingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, log: (level, message, fields) => void lines.push(JSON.stringify({ level, message, ...fields })) };
}

async function stored(app: App, id: string) {
  const sql = dbClient();
  try {
    const [row] = await sql.unsafe(
      `select state, error, attempts, errors, octet_length(error::text) as error_bytes, octet_length(errors::text) as history_bytes
       from "${app.config.schema}".results where id = $1`,
      [id],
    );
    return row as unknown as { state: string; error: { type: string; message: string; stack?: string; code?: string }; attempts: number; errors: { message: string }[]; error_bytes: number; history_bytes: number };
  } finally {
    await sql.end();
  }
}

async function jobCount(app: App): Promise<number> {
  const sql = dbClient();
  try {
    const [row] = await sql.unsafe(`select count(*)::int as n from "${app.config.schema}".jobs`);
    return row.n;
  } finally {
    await sql.end();
  }
}

test("a result or error the database cannot hold fails the job at once with RESULT_NOT_STORABLE, never by the lease", async () => {
  // A lease of a minute: a job left running by a refused write would not finish within this test.
  const app = testApp("storable", { lease: "60s" });
  const values: Record<string, () => unknown> = {
    nul: () => ({ text: "a\u0000b" }),
    surrogate: () => ["ok", "\uD800"],
    fn: () => ({ callback: () => 1 }),
    symbol: () => Symbol("s"),
    map: () => new Map([["a", 1]]),
    nan: () => ({ ratio: NaN }),
  };
  for (const [name, make] of Object.entries(values)) app.task(name, () => make());
  const nulError = app.task("nul_error", () => {
    throw new Error("broken\u0000here");
  });
  const worker = new Worker(app);
  await worker.start();
  try {
    for (const name of Object.keys(values)) {
      const result = await app.sendTask(name);
      await assert.rejects(result.get({ timeout: 10_000 }), (error: unknown) => {
        assert.ok(error instanceof TaskFailed, String(error));
        assert.equal(error.type, "ResultNotSerializable", name);
        assert.equal(error.code, "RESULT_NOT_STORABLE", name);
        assert.match(error.message, /at result/, name);
        return true;
      });
      const row = await stored(app, result.id);
      assert.equal(row.state, "FAILURE");
      assert.equal(row.attempts, 1, `${name} ran once`);
    }
    // The real error survives, made storable: the NUL shows as text.
    const failed = await nulError.delay();
    await assert.rejects(failed.get({ timeout: 10_000 }), (error: unknown) => error instanceof TaskFailed && error.message === "broken\\u0000here");
    assert.equal((await stored(app, failed.id)).attempts, 1);
    assert.equal(await jobCount(app), 0, "no job left running");
  } finally {
    await worker.stop();
    await disposeApp(app);
  }
});

test("error messages, stacks and histories are bounded, the cut marked, in the database, events and logs", async () => {
  const logger = keepingLogger();
  const app = testApp("bounded", { events: true, logger, logLevel: "info" });
  const huge = "x".repeat(10 * 1024 * 1024);
  const boom = app.task({ name: "boom", maxRetries: 25, retryDelay: 0, retryJitter: false, autoRetryFor: [RangeError] }, () => {
    throw new RangeError(huge);
  });
  const worker = new Worker(app, { logger });
  await worker.start();
  try {
    const result = await boom.delay();
    await assert.rejects(result.get({ timeout: 30_000 }), TaskFailed);
    const row = await stored(app, result.id);
    assert.equal(row.attempts, 26);
    assert.ok(row.error_bytes < 20_000, `stored error is ${row.error_bytes} bytes`);
    assert.match(row.error.message, /… \[truncated: \d+ more characters\]/);
    assert.ok(row.error.stack === undefined || row.error.stack.length < 9_000);
    assert.equal(row.errors.length, 20, "the history keeps the 20 most recent attempts");
    assert.ok(row.errors.every((e) => e.message.length < 1_100 && e.message.endsWith("[truncated]")));
    assert.ok(row.history_bytes < 30_000, `history is ${row.history_bytes} bytes`);
    const sql = dbClient();
    try {
      const [events] = await sql.unsafe(`select max(octet_length(e::text)) as largest from "${app.config.schema}".events e`);
      assert.ok(Number(events.largest) < 40_000, `largest event is ${events.largest} bytes`);
    } finally {
      await sql.end();
    }
    const longest = Math.max(...logger.lines.map((line) => line.length));
    assert.ok(longest < 40_000, `longest log line is ${longest} characters`);
  } finally {
    await worker.stop();
    await disposeApp(app);
  }
});

test("a write the database still refuses fails the job at once with the database's reason", async () => {
  const app = testApp("refused", { lease: "60s" });
  app.task("echo", (text: string) => text);
  const worker = new Worker(app);
  await worker.start();
  const sql = dbClient();
  try {
    // A rule in the database that tq's own checks do not know about.
    await sql.unsafe(`
      create function "${app.config.schema}".refuse() returns trigger language plpgsql as $$
      begin
        if new.value = '"refuse me"'::jsonb then raise exception 'values like this are not allowed here'; end if;
        return new;
      end $$;
      create trigger refuse before insert on "${app.config.schema}".results for each row execute function "${app.config.schema}".refuse();
    `);
    const [bad, good] = await Promise.all([app.sendTask("echo", ["refuse me"]), app.sendTask("echo", ["fine"])]);
    assert.equal(await good.get({ timeout: 10_000 }), "fine");
    await assert.rejects(bad.get({ timeout: 10_000 }), (error: unknown) => {
      assert.ok(error instanceof TaskFailed);
      assert.equal(error.code, "RESULT_NOT_STORABLE");
      assert.match(error.message, /values like this are not allowed here/);
      return true;
    });
    assert.equal((await stored(app, bad.id)).attempts, 1);
  } finally {
    await sql.end();
    await worker.stop();
    await disposeApp(app);
  }
});

test("arguments PostgreSQL cannot store are refused before anything is written, naming the task and the argument", async () => {
  const app = testApp("badargs");
  const echo = app.task("echo", (value: unknown) => value);
  try {
    await app.migrate();
    const cases: [unknown[], RegExp][] = [
      [["a\u0000b"], /Task "echo": args\[0\] cannot be sent: .*NUL/],
      [[{ name: "x\uDC00" }], /args\[0\]\.name .*surrogate/],
      [[() => 1], /args\[0\] .*function/],
      [[new Set([1])], /args\[0\] .*Set/],
    ];
    for (const [args, pattern] of cases) {
      await assert.rejects(echo.applyAsync(args as [unknown]), (error: unknown) => error instanceof InvalidArguments && pattern.test(error.message));
    }
    await assert.rejects(app.sendTask("not_here", [1], { kwargs: { "k\u0000": 1 } }), /kwargs .*key with a NUL/);
    assert.equal(await jobCount(app), 0, "nothing was written");
  } finally {
    await disposeApp(app);
  }
});

test("the database refuses rows the claim could not trust (priority out of range, negative counters, bad state)", async () => {
  const app = testApp("guards");
  const sql = dbClient();
  try {
    await app.migrate();
    const insert = (columns: string, values: string) =>
      sql.unsafe(`insert into "${app.config.schema}".jobs (id, queue, max_attempts, message, ${columns}) values (gen_random_uuid(), 'default', 1, '{}', ${values})`);
    await assert.rejects(insert("priority", "99"), (e: unknown) => (e as { code?: string }).code === "23514");
    await assert.rejects(insert("priority, attempt", "5, -1"), (e: unknown) => (e as { code?: string }).code === "23514");
    await assert.rejects(insert("priority, state", "5, 'done'"), (e: unknown) => (e as { code?: string }).code === "23514");
    await insert("priority", "9"); // the edge of the range is fine
    const [row] = await sql.unsafe(`select count(*)::int as n from "${app.config.schema}".jobs`);
    assert.equal(row.n, 1);
  } finally {
    await sql.end();
    await disposeApp(app);
  }
});

test("a handler's arity is checked where the task is known: on send, and in the worker for a job sent by name", async () => {
  const app = testApp("arity");
  let ran = 0;
  const add = app.task("add", (a: number, b: number) => (ran++, a + b));
  const scale = app.task("scale", (n: number, factor = 2) => (ran++, n * factor));
  const sum = app.task("sum", (...numbers: number[]) => (ran++, numbers.reduce((a, b) => a + b, 0)));
  app.task("with_options", (n: number, options: { double?: boolean }) => (ran++, options?.double ? n * 2 : n));
  try {
    await app.migrate();
    // deno-lint-ignore no-explicit-any
    const loose = add as any;
    await assert.rejects(loose.delay(1), /Task "add" takes 2 arguments, got 1/);
    await assert.rejects(loose.delay(1, 2, 3), /Task "add" takes 2 arguments, got 3/);
    await assert.rejects(app.sendTask("add", [1]), InvalidArguments);
    await assert.rejects(app.sendTask("add", [1, 2], { kwargs: { c: 3 } }), /got 3 \(keyword arguments count as one more\)/);
    await assert.rejects(app.sendTask("scale", [1, 2, 3]), /takes 1 to 2 arguments/);
    await assert.rejects(app.sendTask("scale", []), /takes 1 to 2 arguments, got 0/);
    assert.equal(await jobCount(app), 0, "nothing was written");
    // What fits is sent: defaults may be left out, a rest parameter takes any number, kwargs fill the last one.
    const sent = [await scale.delay(3), await sum.delay(1, 2, 3, 4), await sum.delay(), await app.sendTask("with_options", [4], { kwargs: { double: true } })];
    // Sent by name from a process without the code: the worker refuses it before the handler runs.
    const producer = new App({ databaseUrl: app.config.databaseUrl, schema: app.config.schema, logLevel: "silent" });
    const byName = await producer.sendTask("add", [1]);
    await producer.close();
    const worker = new Worker(app);
    await worker.start();
    try {
      assert.deepEqual(await Promise.all(sent.map((r) => r.get({ timeout: 10_000 }))), [6, 10, 0, 8]);
      await assert.rejects(app.asyncResult(byName.id).get({ timeout: 10_000 }), (e: unknown) => e instanceof TaskFailed && e.type === "InvalidArguments" && /takes 2 arguments, got 1/.test(e.message));
      assert.equal(ran, 4, "the refused job never reached its handler");
    } finally {
      await worker.stop();
    }
  } finally {
    await disposeApp(app);
  }
});

test("an option nobody declared is refused with its name, in JavaScript as in TypeScript", async () => {
  const app = testApp("options");
  // deno-lint-ignore no-explicit-any
  const js = app as any;
  try {
    assert.throws(() => js.task({ name: "t", concurrencyLimt: 3 }, () => 1), (e: unknown) => e instanceof ConfigError && /Task "t": unknown option "concurrencyLimt"/.test(e.message));
    assert.throws(() => js.task({ name: "u", maxRetry: 3 }, () => 1), /unknown option "maxRetry"\. Did you mean "maxRetries"\?/);
    const echo = app.task("echo", (x: number) => x);
    // deno-lint-ignore no-explicit-any
    await assert.rejects(echo.applyAsync([1], { countdwn: "5s" } as any), /Sending task "echo": unknown option "countdwn"\. Did you mean "countdown"\?/);
    // deno-lint-ignore no-explicit-any
    await assert.rejects(app.asyncResult(crypto.randomUUID()).get({ timout: 5 } as any), /get\(\): unknown option "timout"/);
    // deno-lint-ignore no-explicit-any
    assert.throws(() => new Worker(app, { concurency: 3 } as any), /Worker: unknown option "concurency"\. Did you mean "concurrency"\?/);
  } finally {
    await disposeApp(app);
  }
});

test("tq call -A checks the arguments against the task's schema and arity, exits 2 and sends nothing", async () => {
  const app = testApp("callcheck");
  try {
    await app.migrate();
    const env = { TQ_SCHEMA: app.config.schema };
    const tooFew = runCli(["call", "add", "5", "-A", FIXTURE_TASKS], env);
    assert.equal(await tooFew.exited, 2, tooFew.output());
    assert.match(tooFew.output(), /Task "add" takes 2 arguments, got 1/);
    const nul = runCli(["call", "record", "--args", '["a\\u0000b"]', "-A", FIXTURE_TASKS], env);
    assert.equal(await nul.exited, 2, nul.output());
    assert.match(nul.output(), /Task "record": args\[0\] cannot be sent: .*NUL/);
    assert.equal(await jobCount(app), 0, "nothing was written");
  } finally {
    await disposeApp(app);
  }
});
