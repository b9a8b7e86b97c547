/** The `tq` command as a person uses it: real processes, real database. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pkg from "../package.json" with { type: "json" };
import { type CliProcess, dropSchema, FIXTURE_TASKS, runCli, startWorker, uniqueSchema } from "./_helpers.ts";
import { migrations } from "../transports/postgres/_sql.ts";

async function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | string; output: string }> {
  const cli = runCli(args, env);
  const code = await cli.exited;
  return { code, output: cli.output() };
}

test("tq --version and tq --help answer without a database", async () => {
  const version = await run(["--version"], { TQ_DATABASE_URL: "postgres://nobody@127.0.0.1:1/x" });
  assert.equal(version.code, 0);
  assert.match(version.output, new RegExp(pkg.version.replaceAll(".", "\\.")));
  const help = await run(["--help"]);
  assert.equal(help.code, 0);
  for (const command of ["worker", "call", "migrate"]) assert.match(help.output, new RegExp(command));
});

test("tq call sends by name, --wait prints the result, and task errors exit 1", async () => {
  const schema = uniqueSchema("cli_call");
  let worker: CliProcess | undefined;
  try {
    worker = await startWorker(schema);
    const sum = await run(["call", "add", "2", "3", "--wait", "--timeout", "20s"], { TQ_SCHEMA: schema });
    assert.equal(sum.code, 0, sum.output);
    assert.equal(sum.output.trim(), "5");
    const negative = await run(["call", "add", "--args", "[-4, 1]", "--wait"], { TQ_SCHEMA: schema });
    assert.equal(negative.output.trim(), "-3");
    const noWait = await run(["call", "add", "1", "1"], { TQ_SCHEMA: schema });
    assert.equal(noWait.code, 0);
    assert.match(noWait.output.trim(), /^[0-9a-f-]{36}$/, "without --wait it prints the task id");
    const failing = await run(["call", "fail", "no luck", "--wait"], { TQ_SCHEMA: schema });
    assert.equal(failing.code, 1);
    assert.match(failing.output, /failed: RangeError: no luck/);
    const badKwargs = await run(["call", "add", "--args", "[1]", "--kwargs", "[]"], { TQ_SCHEMA: schema });
    assert.equal(badKwargs.code, 2);
    assert.match(badKwargs.output, /--kwargs must be a JSON object/);
  } finally {
    worker?.kill("SIGTERM");
    await worker?.exited;
    await dropSchema(schema);
  }
});

test("tq call of an unknown task names close registered names and exits 2", async () => {
  const schema = uniqueSchema("cli_unknown");
  let worker: CliProcess | undefined;
  try {
    worker = await startWorker(schema);
    const result = await run(["call", "ad", "1", "2"], { TQ_SCHEMA: schema });
    assert.equal(result.code, 2);
    assert.match(result.output, /Task "ad" is not registered on any running worker\. Did you mean "add"\?/);
    const withModule = await run(["call", "recrod", "x", "-A", FIXTURE_TASKS], { TQ_SCHEMA: schema });
    assert.equal(withModule.code, 2);
    assert.match(withModule.output, /Did you mean "record"\?/);
  } finally {
    worker?.kill("SIGTERM");
    await worker?.exited;
    await dropSchema(schema);
  }
});

test("an unreachable database exits 3 with host and port, never the password", async () => {
  const result = await run(["call", "add", "1", "2"], { TQ_DATABASE_URL: "postgres://bob:s3cr3t-pw@127.0.0.1:1/app" });
  assert.equal(result.code, 3);
  assert.match(result.output, /Cannot reach PostgreSQL at 127\.0\.0\.1:1\/app/);
  assert.doesNotMatch(result.output, /s3cr3t-pw/);
  const worker = await run(["worker", "-A", FIXTURE_TASKS], { TQ_DATABASE_URL: "postgres://bob:s3cr3t-pw@127.0.0.1:1/app" });
  assert.equal(worker.code, 3);
  assert.doesNotMatch(worker.output, /s3cr3t-pw/);
});

test("bad flags and bad modules get errors that say what to do, with exit code 2", async () => {
  const noApp = await run(["worker"]);
  assert.equal(noApp.code, 2);
  assert.match(noApp.output, /tq worker -A \.\/tasks\.ts/);
  const missing = await run(["worker", "-A", "./does-not-exist.ts"]);
  assert.equal(missing.code, 2);
  assert.match(missing.output, /no such file/);
  const dir = mkdtempSync(join(tmpdir(), "tq-cli-"));
  const empty = join(dir, "empty.ts");
  writeFileSync(empty, "export const answer = 42;\n");
  const noExport = await run(["worker", "-A", empty]);
  assert.equal(noExport.code, 2);
  assert.match(noExport.output, /exports no tq App/);
  const badLevel = await run(["worker", "-A", FIXTURE_TASKS, "--log-level", "loud"]);
  assert.equal(badLevel.code, 2);
  assert.match(badLevel.output, /--log-level must be one of/);
  const badConcurrency = await run(["worker", "-A", FIXTURE_TASKS, "--concurrency", "zero"]);
  assert.equal(badConcurrency.code, 2);
  assert.match(badConcurrency.output, /--concurrency must be an integer/);
  const badEnv = await run(["call", "add", "1"], { TQ_LEASE: "forever" });
  assert.equal(badEnv.code, 2);
  assert.match(badEnv.output, /Option "lease" must be a duration/);
  const unknown = await run(["frobnicate"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.output, /Unknown command "frobnicate"/);
});

test("tq worker --log-format json writes one JSON object per line", async () => {
  const schema = uniqueSchema("cli_json");
  const worker = await startWorker(schema, ["--log-format", "json"]);
  try {
    const sum = await run(["call", "add", "20", "22", "--wait"], { TQ_SCHEMA: schema });
    assert.equal(sum.output.trim(), "42");
    await worker.waitFor(/"state":"SUCCESS"/);
  } finally {
    worker.kill("SIGTERM");
    await worker.exited;
    await dropSchema(schema);
  }
  const lines = worker.output().trim().split("\n");
  const records = lines.map((line) => JSON.parse(line));
  const done = records.find((r) => r.task === "add" && r.state === "SUCCESS");
  assert.ok(done, "a task line was logged");
  assert.equal(done.level, "info");
  assert.equal(typeof done.ms, "number");
  assert.match(done.id, /^[0-9a-f-]{36}$/);
});

test("tq migrate creates the schema once and reports it is up to date after", async () => {
  const schema = uniqueSchema("cli_migrate");
  try {
    const first = await run(["migrate"], { TQ_SCHEMA: schema });
    assert.equal(first.code, 0, first.output);
    assert.match(first.output, new RegExp(`Applied ${migrations.length} migration`));
    const second = await run(["migrate"], { TQ_SCHEMA: schema });
    assert.match(second.output, /up to date/);
  } finally {
    await dropSchema(schema);
  }
});
