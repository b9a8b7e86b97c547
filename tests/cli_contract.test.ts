/**
 * What scripts can trust from `tq` (docs/cli.md): a timed-out wait reaches
 * the caller and nothing else; `tq call --json` and exit codes that tell a
 * failure from a timeout; every `--json` prints JSON, and an unknown id is
 * unknown; read-only commands create nothing; mistyped commands are named;
 * `--version` names the real runtime. From source on this runtime, and the
 * compiled binary where the CLI is concerned. The exit-code and error-code
 * tables of docs/cli.md are compared with the code.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import * as tq from "../mod.ts";
import { TaskFailed, TqError, Worker } from "../mod.ts";
import { runtimeName, runtimeVersion, scriptCommand } from "../core/runtime.ts";
import { errorCodeOf, EXIT, exitCodeOf, UsageError } from "../cli/errors.ts";
import { editDistance } from "../core/close_names.ts";
import pkg from "../package.json" with { type: "json" };
import { hostBinary } from "./_binary.ts";
import { CLI, DATABASE_URL, dbClient, disposeApp, dropSchema, execToEnd, type Ran, ROOT, testApp, uniqueSchema } from "./_helpers.ts";

/** `tq ARGS...` from source on this runtime. */
function tqRun(args: string[], env: Record<string, string> = {}): Promise<Ran> {
  return execToEnd([...scriptCommand(CLI), ...args], env);
}

/** Parses stdout as one JSON value, failing with what was printed. */
// deno-lint-ignore no-explicit-any
function json(ran: Ran, what: string): any {
  try {
    return JSON.parse(ran.stdout);
  } catch {
    assert.fail(`${what}: stdout is not JSON (exit ${ran.code}):\n${ran.stdout}\nstderr:\n${ran.stderr}`);
  }
}

/** Asserts the exit code and the `--json` failure object of a failed command. */
function assertJsonFailure(ran: Ran, exit: number, code: string, what: string): void {
  assert.equal(ran.code, exit, `${what}: ${ran.stdout}${ran.stderr}`);
  const failure = json(ran, what);
  assert.deepEqual(Object.keys(failure).sort(), ["error", "exit"], what);
  assert.equal(failure.exit, exit, what);
  assert.equal(failure.error.code, code, what);
  assert.equal(typeof failure.error.type, "string", what);
  assert.equal(failure.error.message, ran.stderr.trim().replace(/^tq: /, ""), `${what}: the person's message is on stderr`);
}

/** True when `schema` exists in the test database. */
async function schemaExists(schema: string): Promise<boolean> {
  const sql = dbClient();
  try {
    const rows = await sql.unsafe("select 1 from pg_namespace where nspname = $1", [schema]);
    return rows.length > 0;
  } finally {
    await sql.end();
  }
}

/** An app with `add` and `fail`, and a worker in this process serving them on the app's schema. */
async function servedApp(prefix: string): Promise<{ app: tq.App; worker: Worker }> {
  const app = testApp(prefix);
  app.task("add", (a: number, b: number) => a + b);
  app.task("fail", (why: string) => {
    throw new RangeError(why);
  });
  const worker = new Worker(app, { concurrency: 4 });
  await worker.start();
  return { app, worker };
}

test("a timed-out get() reaches the caller's catch and nothing else, in a script and in tq call", async () => {
  const schema = uniqueSchema("contract_timeout");
  const dir = mkdtempSync(join(tmpdir(), "tq-timeout-"));
  try {
    // The program: on Deno the rejection used to end it with exit 1 before the catch ran.
    const script = join(dir, "timeout.ts");
    writeFileSync(
      script,
      [
        `import { App, ResultTimeout } from ${JSON.stringify(join(ROOT, "mod.ts"))};`,
        `const app = new App({ databaseUrl: ${JSON.stringify(DATABASE_URL)}, schema: ${JSON.stringify(schema)}, logLevel: "silent" });`,
        "const r = await app.sendTask('nobody_has_it', []);",
        "for (let i = 0; i < 3; i++) {",
        "  try { await r.get({ timeout: 5 }); } catch (e) { console.log(e instanceof ResultTimeout ? 'caught ResultTimeout' : `caught ${e}`); }",
        "}",
        "await app.close();",
        "console.log('still running');",
      ].join("\n"),
    );
    const command = runtimeName === "deno" ? [process.execPath, "run", "-A", "--config", join(ROOT, "deno.json"), script] : [process.execPath, script];
    const program = await execToEnd(command);
    assert.equal(program.code, 0, program.stdout + program.stderr);
    assert.equal(program.stdout, "caught ResultTimeout\n".repeat(3) + "still running\n");
    assert.equal(program.stderr, "", "no unhandled rejection is reported");

    // No worker has the task: the wait runs out. Exit 4, JSON, and no code frame.
    const call = await tqRun(["call", "add", "1", "2", "--wait", "--timeout", "300ms", "--json"], { TQ_SCHEMA: schema });
    assert.equal(call.code, EXIT.timeout, call.stdout + call.stderr);
    const timedOut = json(call, "tq call --timeout --json");
    assert.deepEqual(Object.keys(timedOut).sort(), ["id", "state", "timeout"]);
    assert.match(timedOut.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual([timedOut.state, timedOut.timeout], ["PENDING", true]);
    assert.match(call.stderr, new RegExp(`^tq: task add\\[${timedOut.id}\\] did not finish within 300 ms\\. It is PENDING`, "m"));
    assert.doesNotMatch(call.stderr, /^\s+at |\^|result_waiter/m, "no stack, no code frame");
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await dropSchema(schema);
  }
});

test("tq call --json prints id, state and value or error, and exit codes tell failure, usage and database apart", async () => {
  const { app, worker } = await servedApp("contract_call");
  const env = { TQ_SCHEMA: app.config.schema };
  try {
    const [sent, succeeded, failed, usage, database] = await Promise.all([
      tqRun(["call", "add", "2", "3", "--json"], env),
      tqRun(["call", "add", "2", "3", "--wait", "--timeout", "20s", "--json"], env),
      tqRun(["call", "fail", "no luck", "--wait", "--timeout", "20s", "--json"], env),
      tqRun(["call", "add", "--args", "[1]", "--kwargs", "[]", "--json"], env),
      tqRun(["call", "add", "1", "2", "--json"], { ...env, TQ_DATABASE_URL: "postgres://bob:s3cr3t@127.0.0.1:1/app" }),
    ]);
    assert.equal(sent.code, EXIT.ok, sent.stderr);
    const pending = json(sent, "without --wait");
    assert.deepEqual(Object.keys(pending).sort(), ["id", "state"]);
    assert.equal(pending.state, "PENDING");

    assert.equal(succeeded.code, EXIT.ok, succeeded.stderr);
    const success = json(succeeded, "success");
    assert.deepEqual([Object.keys(success).sort(), success.state, success.value], [["id", "state", "value"], "SUCCESS", 5]);
    assert.equal((await app.asyncResult(success.id).record()).state, "SUCCESS", "the id is the task's");

    assert.equal(failed.code, EXIT.failure, failed.stderr);
    const failure = json(failed, "task failure");
    assert.deepEqual(Object.keys(failure).sort(), ["error", "id", "state"]);
    assert.equal(failure.state, "FAILURE");
    assert.deepEqual(failure.error, { type: "RangeError", message: "no luck", code: "TASK_FAILED" });
    assert.match(failed.stderr, /failed: RangeError: no luck/);

    assertJsonFailure(usage, EXIT.usage, "USAGE_INVALID", "bad --kwargs");
    assertJsonFailure(database, EXIT.database, "DATABASE_ERROR", "unreachable database");
    assert.doesNotMatch(database.stdout + database.stderr, /s3cr3t/);
  } finally {
    await worker.stop({ graceMs: 1_000 });
    await disposeApp(app);
  }
});

test("every --json prints JSON, and tq inspect job says an id with no trace is unknown (exit 5)", async () => {
  const app = testApp("contract_json");
  const schema = app.config.schema;
  const env = { TQ_SCHEMA: schema };
  try {
    await app.migrate();
    const queued = await app.sendTask("later", ["x"], { countdown: "1h" });
    const unknownId = crypto.randomUUID();
    const runs: [string[], number][] = [
      [["inspect", "queues"], EXIT.ok],
      [["inspect", "scheduled"], EXIT.ok],
      [["inspect", "failed"], EXIT.ok],
      [["inspect", "ping", "--timeout", "100ms"], EXIT.ok],
      [["inspect", "job", queued.id], EXIT.ok],
      [["inspect", "why", queued.id], EXIT.ok],
      [["inspect", "job", unknownId], EXIT.notFound],
      [["inspect", "why", unknownId], EXIT.notFound],
      [["control", "rate-limit", "later", "10/s"], EXIT.ok],
      [["control", "time-limit", "later", "10s", "20s"], EXIT.ok],
      [["control", "revoke", unknownId], EXIT.notFound],
      [["control", "ping", "--timeout", "100ms"], EXIT.failure],
      [["beat", "add", "nightly", "--task", "later", "--every", "1h"], EXIT.ok],
      [["beat", "list"], EXIT.ok],
      [["beat", "disable", "nowhere"], EXIT.notFound],
      [["purge", "empty", "--yes"], EXIT.ok],
      [["retry", "--all-failed"], EXIT.ok],
      [["migrate"], EXIT.ok],
    ];
    const results = await Promise.all(runs.map(([args]) => tqRun([...args, "--json"], env)));
    for (const [i, [args, exit]] of runs.entries()) {
      const what = `tq ${args.join(" ")} --json`;
      assert.equal(results[i].code, exit, `${what}: ${results[i].stdout}${results[i].stderr}`);
      json(results[i], what);
    }
    const at = (args: string[]) => results[runs.findIndex(([a]) => a.join(" ") === args.join(" "))];
    assert.deepEqual(json(at(["control", "rate-limit", "later", "10/s"]), "rate-limit"), { task: "later", rateLimit: "10/s", scope: "worker" });
    assert.deepEqual(json(at(["control", "time-limit", "later", "10s", "20s"]), "time-limit"), { task: "later", timeLimit: { soft: "10s", hard: "20s" } });
    assert.equal(json(at(["inspect", "job", queued.id]), "job").state, "PENDING", "a job that waits is PENDING");
    assertJsonFailure(at(["inspect", "job", unknownId]), EXIT.notFound, "NOT_FOUND", "unknown job");
    assertJsonFailure(at(["inspect", "why", unknownId]), EXIT.notFound, "NOT_FOUND", "unknown why");
    assertJsonFailure(at(["beat", "disable", "nowhere"]), EXIT.notFound, "NOT_FOUND", "unknown schedule");
    assert.deepEqual(json(at(["control", "revoke", unknownId]), "revoke"), [{ id: unknownId, outcome: "unknown", worker: null }]);

    const text = await tqRun(["inspect", "job", unknownId], env);
    assert.equal(text.code, EXIT.notFound);
    assert.equal(text.stdout, "", "nothing on stdout: no PENDING report for an id that never existed");
    assert.match(text.stderr, new RegExp(`^tq: No task ${unknownId} is known here`));
    await assert.rejects(app.inspect.job(unknownId), (e: unknown) => e instanceof tq.NotFound && e.code === "NOT_FOUND");
  } finally {
    await disposeApp(app);
  }
});

test("read-only commands never create tq's schema or tables, and say tq is not installed (exit 6)", async () => {
  const fresh = uniqueSchema("contract_fresh");
  const behind = uniqueSchema("contract_behind");
  const sql = dbClient();
  try {
    const id = crypto.randomUUID();
    const readers = [["inspect", "queues"], ["inspect", "workers"], ["inspect", "job", id], ["inspect", "why", id], ["inspect", "ping"], ["events"], ["beat", "list"]];
    const [results, text] = await Promise.all([
      Promise.all(readers.map((args) => tqRun([...args, "--json"], { TQ_SCHEMA: fresh }))),
      tqRun(["inspect", "queues"], { TQ_SCHEMA: fresh }),
    ]);
    for (const [i, args] of readers.entries()) assertJsonFailure(results[i], EXIT.notInstalled, "NOT_INSTALLED", `tq ${args.join(" ")} --json`);
    assert.equal(text.code, EXIT.notInstalled, text.stderr);
    assert.equal(text.stdout, "");
    assert.match(text.stderr, new RegExp(`^tq: tq's tables are not in schema "${fresh}" at [^:]+:\\d+/\\w+: run \`tq migrate\``));
    assert.equal(await schemaExists(fresh), false, "the schema was not created");

    // A schema that an older tq migrated: nothing is updated behind the user's back either.
    await sql.unsafe(`create schema "${behind}"; create table "${behind}".migrations (version integer primary key, name text not null, applied_at timestamptz not null default now()); insert into "${behind}".migrations values (1, 'init')`);
    const old = await tqRun(["inspect", "queues"], { TQ_SCHEMA: behind });
    assert.equal(old.code, EXIT.notInstalled, old.stderr);
    assert.match(old.stderr, /are at migration 1, and this tq needs \d+\. Run `tq migrate`/);
    const tables = await sql.unsafe("select tablename from pg_tables where schemaname = $1", [behind]);
    assert.deepEqual(tables.map((t) => t.tablename), ["migrations"], "no table was added");

    // A command that writes may create them, as a worker would.
    const migrated = await tqRun(["control", "rate-limit", "x", "1/s"], { TQ_SCHEMA: fresh });
    assert.equal(migrated.code, EXIT.ok, migrated.stderr);
    const installed = await tqRun(["inspect", "queues", "--json"], { TQ_SCHEMA: fresh });
    assert.equal(installed.code, EXIT.ok, installed.stderr);
    assert.deepEqual(json(installed, "queues"), []);
  } finally {
    await sql.end();
    await dropSchema(fresh);
    await dropSchema(behind);
  }
});

test("a mistyped command names the nearest one (exit 2), and --version names the real runtime", async () => {
  assert.equal(editDistance("wrokr", "worker"), 2, "a swap of neighbours counts once");
  assert.equal(editDistance("", "abc"), 3);
  assert.equal(editDistance("queues", "queues"), 0);
  const [typo, typoJson, subcommand, option, nothingNear, version] = await Promise.all([
    tqRun(["wrokr"]),
    tqRun(["wrokr", "--json"]),
    tqRun(["inspect", "qeueus"]),
    tqRun(["inspect", "queues", "--jsn"]),
    tqRun(["frobnicate"]),
    tqRun(["--version"]),
  ]);
  assert.equal(typo.code, EXIT.usage);
  assert.equal(typo.stderr.trim(), 'tq: Unknown command "wrokr": did you mean "worker"? Run `tq --help` for the commands.');
  assertJsonFailure(typoJson, EXIT.usage, "USAGE_INVALID", "tq wrokr --json");
  assert.equal(subcommand.code, EXIT.usage);
  assert.match(subcommand.stderr, /^tq: Unknown inspect command "qeueus": did you mean "queues"\?/);
  assert.equal(option.code, EXIT.usage);
  assert.match(option.stderr, /^tq: Unknown option "--jsn": did you mean "--json"\?/);
  assert.equal(nothingNear.code, EXIT.usage);
  assert.match(nothingNear.stderr, /^tq: Unknown command "frobnicate"\. Run `tq --help`/);

  assert.equal(version.code, EXIT.ok);
  assert.equal(version.stdout, `tq ${pkg.version} (source) protocol ${tq.PROTOCOL_VERSION} on ${runtimeVersion()}\n`);
  assert.match(version.stdout, runtimeName === "deno" ? /on deno 2\.\d+\.\d+/ : /on bun 1\.\d+\.\d+/);
});

test("the compiled binary keeps the contract: version, typos, timeouts, read-only", async () => {
  const binary = await hostBinary();
  const schema = uniqueSchema("contract_binary");
  const dir = mkdtempSync(join(tmpdir(), "tq-contract-"));
  try {
    const env = { TQ_SCHEMA: schema };
    const [version, typo, readOnly] = await Promise.all([
      execToEnd([binary, "--version"], {}, dir),
      execToEnd([binary, "wrokr"], {}, dir),
      execToEnd([binary, "inspect", "queues", "--json"], env, dir),
    ]);
    assert.equal(version.code, EXIT.ok);
    assert.match(version.stdout, new RegExp(`^tq ${pkg.version.replaceAll(".", "\\.")} \\((?:[0-9a-f]{7,}|unknown)\\) protocol ${tq.PROTOCOL_VERSION} on bun \\d+\\.\\d+\\.\\d+\\n$`));
    assert.equal(typo.code, EXIT.usage);
    assert.match(typo.stderr, /did you mean "worker"\?/);
    assertJsonFailure(readOnly, EXIT.notInstalled, "NOT_INSTALLED", "binary inspect queues");
    assert.equal(await schemaExists(schema), false, "the binary created nothing");

    // It used to print 4 KB of its own minified source here.
    const call = await execToEnd([binary, "call", "add", "1", "2", "--wait", "--timeout", "200ms", "--json"], env, dir);
    assert.equal(call.code, EXIT.timeout, call.stdout + call.stderr);
    assert.equal(json(call, "binary call --timeout").timeout, true);
    assert.ok(call.stderr.length < 400, `a short message, no code frame:\n${call.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await dropSchema(schema);
  }
});

/** The rows of the first table under `heading` in docs/cli.md, as cells. */
function docTable(heading: string): string[][] {
  const text = readFileSync(join(ROOT, "docs", "cli.md"), "utf8");
  const start = text.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `docs/cli.md has "${heading}"`);
  const lines = text.slice(start).split("\n");
  const first = lines.findIndex((l) => l.startsWith("|"));
  const table = lines.slice(first).filter((_, i, all) => all.slice(0, i + 1).every((l) => l.startsWith("|")));
  return table.slice(2).map((row) => row.split("|").slice(1, -1).map((cell) => cell.trim().replace(/^`|`$/g, "")));
}

test("the exit codes and error codes in docs/cli.md are the ones the code uses", () => {
  const documented = docTable("## Exit codes").map(([exit, name]) => [name, Number(exit)]);
  assert.deepEqual(Object.fromEntries(documented), { ...EXIT });
  assert.equal(documented.length, Object.keys(EXIT).length, "each exit code once");

  const classes: Record<string, new (message: string) => Error> = { UsageError };
  for (const [name, value] of Object.entries(tq)) {
    // RetryRequested is control flow inside a handler: it never reaches a caller.
    if (typeof value === "function" && value.prototype instanceof Error && name !== "RetryRequested") classes[name] = value as new (message: string) => Error;
  }
  const rows = docTable("## Error codes");
  const named = new Set<string>();
  for (const [name, code, exit] of rows) {
    const error = name === "(not tq's)"
      ? new Error("boom")
      : name === "TaskFailed"
      ? new TaskFailed(crypto.randomUUID(), { type: "RangeError", message: "boom" })
      : new classes[name]("boom");
    assert.ok(error, `docs/cli.md names error ${name}`);
    assert.equal(errorCodeOf(error), code, `code of ${name}`);
    assert.equal(exitCodeOf(error), Number(exit), `exit code of ${name}`);
    named.add(name);
  }
  const missing = Object.keys(classes).filter((name) => (classes[name] === TqError || classes[name].prototype instanceof TqError) && !named.has(name));
  assert.deepEqual(missing, [], "every error class is in the table");
});
