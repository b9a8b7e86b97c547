/**
 * The rest of the app's surface: `app.now()` (the database clock),
 * `app.AsyncResult(id)` (Celery's spelling), `app.autodiscoverTasks()` in
 * process and under a real `tq worker -A`, and `tq report`, which must
 * report a broken or empty setup, create nothing, and never show a password.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { relative } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { App, AsyncResult, ConfigError, type Logger, Worker } from "../mod.ts";
import { scriptCommand } from "../core/runtime.ts";
import { CLI, DATABASE_URL, dbClient, disposeApp, dropSchema, execToEnd, type Ran, runCli, testApp, uniqueSchema } from "./_helpers.ts";

const DISCOVER = fileURLToPath(new URL("./fixtures/discover/", import.meta.url));
const DISCOVER_APP = `${DISCOVER}app.ts`;
/** A fixture as a path relative to the working directory, the form users write. */
const rel = (file: string) => relative(process.cwd(), `${DISCOVER}${file}`);

/** A password that must never appear in anything tq prints. Trust auth lets it connect all the same. */
const CANARY = "canary-Pw-5d1f9e";
const canaryUrl = (url = DATABASE_URL) => {
  const parsed = new URL(url);
  parsed.password = CANARY;
  return parsed.href;
};

/** A logger that keeps what it is given. */
function capture(): Logger & { lines: { level: string; message: string }[] } {
  const lines: { level: string; message: string }[] = [];
  return { lines, log: (level, message) => void lines.push({ level, message }) };
}

async function schemaExists(schema: string): Promise<boolean> {
  const sql = dbClient();
  try {
    const rows = await sql`select 1 from pg_namespace where nspname = ${schema}`;
    return rows.length > 0;
  } finally {
    await sql.end();
  }
}

/** `tq ARGS...` from source on this runtime, to its end, stdout apart from stderr. */
function tq(args: string[], env: Record<string, string>): Promise<Ran> {
  return execToEnd([...scriptCommand(CLI), ...args], env);
}

/** Asserts a report run exited 0 without the canary anywhere, and returns its parsed JSON (when `json`). */
// deno-lint-ignore no-explicit-any
function checked(ran: Ran, what: string, json: boolean): any {
  assert.equal(ran.code, 0, `${what} exits 0: ${ran.stdout}${ran.stderr}`);
  assert.ok(!ran.stdout.includes(CANARY) && !ran.stderr.includes(CANARY), `${what} never shows the password`);
  if (!json) return ran.stdout;
  try {
    return JSON.parse(ran.stdout);
  } catch {
    assert.fail(`${what}: stdout is not one JSON object:\n${ran.stdout}\nstderr:\n${ran.stderr}`);
  }
}

test("app.now() is the database clock: a Date within a second of this machine's, and reading it creates nothing", async () => {
  const app = testApp("now");
  try {
    const before = Date.now();
    const now = await app.now();
    assert.ok(now instanceof Date, "a Date");
    assert.ok(Math.abs(now.getTime() - before) < 1_000, `within a second: ${now.toISOString()} against ${new Date(before).toISOString()}`);
    assert.equal(await schemaExists(app.config.schema), false, "no schema was created to read the clock");
  } finally {
    await disposeApp(app);
  }
});

test("app.AsyncResult(id) is Celery's spelling of app.asyncResult(id)", () => {
  const app = new App({ databaseUrl: DATABASE_URL });
  const id = crypto.randomUUID();
  const result = app.AsyncResult<number>(id);
  assert.ok(result instanceof AsyncResult);
  assert.equal(result.id, id);
  assert.equal(result.id, app.asyncResult(id).id);
  // It reads the stored result like any other: see the worker test below.
});

test("a worker built before autodiscovered modules are imported still claims their tasks; the promise names the tasks added", async () => {
  const schema = uniqueSchema("discover");
  // Imported here, not at the top: its discovery (started without await) is still under way.
  const { app, discovered } = await import(new URL("./fixtures/discover/app.ts", import.meta.url).href) as { app: App; discovered: Promise<string[]> };
  const logger = capture();
  app.configFromObject({ databaseUrl: DATABASE_URL, schema, logger, pollInterval: 200 });
  const worker = new Worker(app, { concurrency: 2 });
  try {
    await worker.start();
    const sent = await app.sendTask<{ invoiced: number }>("billing.invoice", [42]);
    // Found again by id, in Celery's spelling.
    assert.deepEqual(await app.AsyncResult<{ invoiced: number }>(sent.id).get({ timeout: 10_000 }), { invoiced: 42 });
    assert.deepEqual((await discovered).sort(), ["billing.invoice", "shipping.ship"], "the module's own task, registered after the call, is not counted");

    // A path relative to the working directory; a directory again (already imported: nothing new, a warning).
    assert.deepEqual(await app.autodiscoverTasks([rel("reports.ts"), rel("billing")]), ["reports.daily"]);
    const warning = logger.lines.find((l) => l.level === "warn" && l.message.includes("registered no new task"));
    assert.ok(warning?.message.includes("billing"), `the module that added nothing is named: ${JSON.stringify(logger.lines)}`);
  } finally {
    await worker.stop({ graceMs: 1_000 });
    await disposeApp(app);
  }
});

test("autodiscoverTasks: a module that fails to import is a ConfigError naming it and why, even unawaited; nothing there too; registering nothing is a warning", async () => {
  const logger = capture();
  const app = new App({ databaseUrl: DATABASE_URL, logger });
  const broken = new App({ databaseUrl: DATABASE_URL, logLevel: "silent" });
  try {
    // Not awaited, as at the top level of a module: the failure reaches ready(), and nothing crashes first.
    void broken.autodiscoverTasks([rel("broken.ts")]);
    await assert.rejects(broken.ready(), (error: Error) => {
      assert.ok(error instanceof ConfigError, `a ConfigError: ${error}`);
      assert.match(error.message, /Importing the task module ".*broken\.ts" failed: .*this fixture fails on purpose/);
      return true;
    });
    await assert.rejects(app.autodiscoverTasks([rel("missing")]), (e: Error) => e instanceof ConfigError && /"[^"]*missing": no such file or directory/.test(e.message));
    await assert.rejects(app.autodiscoverTasks([DISCOVER]), (e: Error) => e instanceof ConfigError && /a directory without a tasks\.ts/.test(e.message));
    assert.throws(() => app.autodiscoverTasks("billing" as unknown as string[]), ConfigError);

    assert.deepEqual(await app.autodiscoverTasks([rel("empty.ts")]), []);
    const warnings = logger.lines.filter((l) => l.level === "warn");
    assert.equal(warnings.length, 1, JSON.stringify(logger.lines));
    assert.match(warnings[0].message, /empty\.ts" registered no new task/);
  } finally {
    await Promise.all([app.close(), broken.close()]);
  }
});

test("tq worker -A runs the jobs of tasks its module discovers without await", async () => {
  const schema = uniqueSchema("discover_cli");
  const producer = new App({ databaseUrl: DATABASE_URL, schema, logLevel: "silent", pollInterval: 100 });
  const worker = runCli(["worker", "-A", DISCOVER_APP, "--log-level", "info"], { TQ_SCHEMA: schema, TQ_POLL_INTERVAL: "200" });
  const sql = dbClient();
  try {
    await worker.waitFor(/consuming/);
    const results = await producer.sendMany("shipping.ship", [["a"], ["b"], ["c"]]);
    assert.deepEqual(await Promise.all(results.map((r) => r.get({ timeout: 10_000 }))), ["shipped a", "shipped b", "shipped c"]);
    const [{ done }] = await sql.unsafe(`select count(*)::int as done from "${schema}".results where task = 'shipping.ship' and state = 'SUCCESS'`);
    assert.equal(done, 3, "three successes stored");
    const [{ tasks }] = await sql.unsafe(`select tasks from "${schema}".workers`);
    for (const name of ["billing.invoice", "discover.ping", "shipping.ship"]) assert.ok(tasks.includes(name), `the workers row lists ${name}: ${tasks}`);
  } finally {
    worker.kill("SIGTERM");
    const code = await worker.exited;
    await sql.end();
    await disposeApp(producer);
    assert.equal(code, 0, worker.output());
  }
});

test("tq report on a fresh schema: exit 0, says tq is not installed, creates nothing, hides the password; and so when the database is out of reach or -A fails", async () => {
  const schema = uniqueSchema("report");
  const env = { TQ_DATABASE_URL: canaryUrl(), TQ_SCHEMA: schema };
  const unreachable = { TQ_DATABASE_URL: canaryUrl("postgres://postgres@127.0.0.1:1/postgres"), TQ_SCHEMA: schema };
  try {
    const [json, text, away, noApp] = await Promise.all([
      tq(["report", "--json"], env),
      tq(["report"], env),
      tq(["report", "--json"], unreachable),
      tq(["report", "--json", "-A", rel("empty.ts")], env),
    ]);
    const report = checked(json, "report --json", true);
    assert.equal(report.tq.version.length > 0, true);
    assert.ok(["bun", "deno"].includes(report.runtime.name) && /^\d+\.\d+/.test(report.runtime.version), JSON.stringify(report.runtime));
    assert.equal(typeof report.platform.os, "string");
    assert.equal(report.database.reachable, true);
    assert.match(report.database.server, /^PostgreSQL \d+/);
    assert.ok(Math.abs(Date.parse(report.database.now) - Date.now()) < 60_000);
    assert.equal(report.database.url, `postgres://postgres:***@${new URL(DATABASE_URL).host}${new URL(DATABASE_URL).pathname}`);
    assert.deepEqual(report.schema, { name: schema, installed: false, applied: 0, latest: report.schema.latest, incompatible: null });
    assert.ok(report.schema.latest > 0);
    assert.equal(report.config.schema, schema);
    assert.equal(report.config.databaseUrl, report.database.url);
    assert.equal(report.app.tasks, null, "no -A, no task list");
    assert.ok(report.environment.includes("TQ_DATABASE_URL"));

    const printed = checked(text, "report", false);
    assert.match(printed, /tq is not installed here/);
    assert.match(printed, /postgres:\*\*\*@/);
    assert.match(printed, /leaseMs\s+\d+/, "every option is listed");

    const off = checked(away, "report --json, database out of reach", true);
    assert.equal(off.database.reachable, false);
    assert.equal(off.database.error.code, "DATABASE_ERROR");
    assert.equal(off.schema.applied, null);
    assert.equal(off.config.schema, schema, "the rest is still reported");

    const broken = checked(noApp, "report --json -A a module without an App", true);
    assert.equal(broken.app.error.code, "CONFIG_INVALID");
    assert.match(broken.app.error.message, /exports no tq App/);
    assert.equal(broken.database.reachable, true, "the rest is still reported");

    assert.equal(await schemaExists(schema), false, "tq report created no schema");
  } finally {
    await dropSchema(schema);
  }
});

test("tq report after migrate: the migration numbers, and with -A the app's tasks, discovered ones too", async () => {
  const app = testApp("report_migrated");
  try {
    await app.migrate();
    const env = { TQ_DATABASE_URL: canaryUrl(), TQ_SCHEMA: app.config.schema };
    const [json, text] = await Promise.all([tq(["report", "--json", "-A", DISCOVER_APP], env), tq(["report", "-A", DISCOVER_APP], env)]);
    const report = checked(json, "report --json -A", true);
    assert.equal(report.schema.installed, true);
    assert.ok(report.schema.applied > 0);
    assert.equal(report.schema.applied, report.schema.latest);
    assert.equal(report.app.name, "discover");
    assert.equal(report.app.module, DISCOVER_APP);
    for (const name of ["billing.invoice", "discover.ping", "shipping.ship"]) assert.ok(report.app.tasks.includes(name), `the report lists ${name}`);
    assert.deepEqual(report.app.tasks, [...report.app.tasks].sort(), "sorted");
    const printed = checked(text, "report -A", false);
    assert.match(printed, new RegExp(`at migration ${report.schema.applied} of ${report.schema.latest} \\(up to date\\)`));
    assert.match(printed, new RegExp(`^tasks +.*billing\\.invoice.*discover\\.ping.*shipping\\.ship.* \\(${report.app.tasks.length}\\)$`, "m"));
  } finally {
    await disposeApp(app);
  }
});
