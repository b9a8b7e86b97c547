/**
 * A rolling deploy from the previous release to this code, with real
 * processes (docs/upgrading.md). The previous release's code is taken from
 * git (tag v0.1.0) into a temporary directory: it creates the schema and
 * queues jobs (due now, due after the upgrade, and failing ones), its workers
 * run them, then this code's worker migrates the schema while they keep
 * going, an old worker restarted mid-deploy still works, and the old ones are
 * stopped with SIGTERM. Every job must run exactly once, counted in the
 * database, the failed ones stay failed and listed, and every worker must
 * exit 0.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pkg from "../package.json" with { type: "json" };
import { App } from "../mod.ts";
import { scriptCommand } from "../core/runtime.ts";
import { type CliProcess, DATABASE_URL, dbClient, dropSchema, eventually, execToEnd, needsServer, ROOT, runCommand, startWorker, uniqueSchema } from "./_helpers.ts";

/** The previous release, v0.1.0: the last commit before versions were recorded in the schema. */
const PREVIOUS = { tag: "v0.1.0", commit: "c670e364af0ae86a93a360f0011c864f668d00e4", lastMigration: 11 };

/** The previous release's tree in a temporary directory, sharing this checkout's dependencies (the same versions). */
function checkOutPrevious(): string {
  const dir = mkdtempSync(join(tmpdir(), "tq-previous-"));
  try {
    execFileSync("sh", ["-c", `git -C "${ROOT}" archive --format=tar ${PREVIOUS.commit} | tar -x -C "${dir}"`], { stdio: ["ignore", "ignore", "pipe"] });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `This test needs the previous release's code from git (${PREVIOUS.tag}, ${PREVIOUS.commit}); clone the repository with its history (no --depth). ${error}`,
    );
  }
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  // Sends `count` jobs of the fixture task "record" with the previous release's own code.
  writeFileSync(
    join(dir, "send_jobs.ts"),
    [
      'import { app, fail, record } from "./tests/fixtures/tasks.ts";',
      "const count = Number(process.env.SEND_COUNT);",
      "await record.delayMany(Array.from({ length: count }, (_, i) => [`${process.env.SEND_LABEL}-${i}`, Number(process.env.SEND_MS)]));",
      // Due later (after the upgrade), and failing at once (before it).
      "await record.delayMany(Array.from({ length: 50 }, (_, i) => [`later-${i}`, 0]), { countdown: \"5s\" });",
      "await fail.delayMany(Array.from({ length: 10 }, (_, i) => [`failed-${i}`]));",
      "await app.close();",
      "",
    ].join("\n"),
  );
  return dir;
}

/** `tq ARGS` of the previous release, run from its directory. */
function previousTq(dir: string, schema: string, args: string[]): CliProcess {
  const [command, ...prefix] = scriptCommand(join(dir, "cli", "main.ts"));
  return runCommand(command, [...prefix, ...args], { cwd: dir, env: { TQ_SCHEMA: schema } });
}

async function startPreviousWorker(dir: string, schema: string): Promise<CliProcess> {
  const worker = previousTq(dir, schema, ["worker", "-A", join(dir, "tests", "fixtures", "tasks.ts"), "--concurrency", "4", "--log-level", "info"]);
  await worker.waitFor(/consuming/, 60_000);
  return worker;
}

test("rolling upgrade from the previous release: old workers keep working while this tq migrates, every job (due, later, failed) ends once, no worker crashes", needsServer("runs two releases' workers side by side"), async () => {
  const previous = checkOutPrevious();
  const schema = uniqueSchema("rolling");
  const sql = dbClient();
  const workers: CliProcess[] = [];
  let producer: App | undefined;
  try {
    // The previous release creates the schema and queues work.
    const [command, ...prefix] = scriptCommand(join(previous, "send_jobs.ts"));
    const sent = await execToEnd([command, ...prefix], { TQ_SCHEMA: schema, SEND_COUNT: "400", SEND_LABEL: "old", SEND_MS: "80" }, previous);
    assert.equal(sent.code, 0, sent.stdout + sent.stderr);
    const migrations = async () => (await sql.unsafe(`select max(version)::int as v from "${schema}".migrations`))[0].v;
    assert.equal(await migrations(), PREVIOUS.lastMigration);
    await sql.unsafe(`create table "${schema}".runs (job_id uuid not null, label text, pid integer, at timestamptz default clock_timestamp())`);
    const runs = async (where = "true") => (await sql.unsafe(`select count(*)::int as n from "${schema}".runs where ${where}`))[0].n;

    const oldA = await startPreviousWorker(previous, schema);
    const oldB = await startPreviousWorker(previous, schema);
    workers.push(oldA, oldB);
    await eventually(async () => (await runs()) >= 16, 30_000, "the old workers running jobs");

    // This tq arrives: its worker migrates the schema while the old ones run.
    const current = await startWorker(schema, ["--concurrency", "4"]);
    workers.push(current);
    const [applied] = await sql.unsafe(`select version, tq_version, breaking, applied_at from "${schema}".migrations order by version desc limit 1`);
    assert.ok(applied.version > PREVIOUS.lastMigration, "this tq migrated");
    assert.equal(applied.tq_version, pkg.version);
    assert.equal(await runs("label like 'old-%'") < 400, true, "old jobs were still waiting when it migrated");
    const oldPids = `pid in (${oldA.pid}, ${oldB.pid})`;
    await eventually(
      async () => (await runs(`${oldPids} and at > '${applied.applied_at.toISOString()}'`)) >= 8,
      30_000,
      "the old workers completing jobs on the migrated schema",
    );

    // An old worker restarted mid-deploy still starts and works, and this tq's sender adds jobs.
    const oldC = await startPreviousWorker(previous, schema);
    workers.push(oldC);
    producer = new App({ databaseUrl: DATABASE_URL, schema, logLevel: "silent" });
    await producer.sendMany("record", Array.from({ length: 200 }, (_, i) => [`new-${i}`, 40]));

    const listed = await execToEnd([...scriptCommand(join(ROOT, "cli", "main.ts")), "inspect", "workers", "--json"], { TQ_SCHEMA: schema });
    assert.equal(listed.code, 0, listed.stderr);
    const versions = (JSON.parse(listed.stdout) as { pid: number; alive: boolean; version: string | null }[])
      .filter((w) => w.alive).map((w) => [w.pid, w.version]);
    assert.deepEqual(
      new Map(versions as [number, string | null][]),
      new Map([[oldA.pid, null], [oldB.pid, null], [oldC.pid, null], [current.pid, pkg.version]]),
      "tq inspect workers tells the releases apart",
    );
    await eventually(async () => (await runs(`pid = ${oldC.pid}`)) >= 4, 30_000, "the restarted old worker completing jobs");

    // The deploy ends: the old workers get SIGTERM and finish what they run.
    for (const old of [oldA, oldB, oldC]) old.kill("SIGTERM");
    for (const old of [oldA, oldB, oldC]) assert.equal(await old.exited, 0, old.output());

    await eventually(async () => (await runs()) >= 650, 120_000, "every job to run");
    await eventually(async () => {
      const [{ n }] = await sql.unsafe(`select count(*)::int as n from "${schema}".results where state = 'SUCCESS'`);
      return n === 650;
    }, 30_000, "650 successes");
    current.kill("SIGTERM");
    assert.equal(await current.exited, 0, current.output());

    const [counts] = await sql.unsafe(`
      select count(*)::int as runs, count(distinct job_id)::int as jobs,
             (select count(*)::int from "${schema}".jobs) as left_in_queue,
             (select count(*)::int from "${schema}".results where state = 'FAILURE') as failed,
             (select count(*)::int from "${schema}".runs where label like 'later-%') as later
      from "${schema}".runs`);
    assert.deepEqual(
      { ...counts },
      { runs: 650, jobs: 650, left_in_queue: 0, failed: 10, later: 50 },
      "every job ran exactly once (those due after the upgrade too); the failed ones stayed failed",
    );
    // The old release's failures read by this tq, with their errors.
    const failed = await execToEnd([...scriptCommand(join(ROOT, "cli", "main.ts")), "inspect", "failed", "--json"], { TQ_SCHEMA: schema });
    assert.equal(failed.code, 0, failed.stderr);
    const failures: { task: string; errorType: string }[] = JSON.parse(failed.stdout);
    assert.deepEqual(failures.map((f) => `${f.task}:${f.errorType}`), Array(10).fill("fail:RangeError"));
    for (const worker of workers) {
      // A log line at level ERROR, or an error tq did not expect; the fail task's own RangeErrors are expected.
      assert.doesNotMatch(worker.output(), /^\S+ ERROR |\b(TypeError|ReferenceError|PostgresError|Unhandled|uncaught)\b/m, worker.output());
    }
  } finally {
    for (const worker of workers) if (worker.running()) worker.kill("SIGKILL");
    await producer?.close();
    await sql.end();
    await dropSchema(schema);
    rmSync(previous, { recursive: true, force: true });
  }
});
