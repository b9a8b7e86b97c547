/**
 * Execution semantics that need real processes: revoking a running task from
 * another process, at-most-once tasks across a SIGKILL, and the CLI's
 * control and retry commands.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { type App, TaskFailed } from "../mod.ts";
import { type CliProcess, dbClient, dropSchema, eventually, producerApp, runCli, startWorker, uniqueSchema } from "./_helpers.ts";

const FAST = { TQ_LEASE: "1500", TQ_HEARTBEAT: "300", TQ_MAINTENANCE_INTERVAL: "300", TQ_POLL_INTERVAL: "200" };

async function cleanup(workers: CliProcess[], app: App, sql: ReturnType<typeof dbClient>, schema: string): Promise<void> {
  for (const worker of workers) {
    if (worker.running()) worker.kill("SIGKILL");
    await worker.exited;
  }
  await sql.end();
  await app.close();
  await dropSchema(schema);
}

async function labels(sql: ReturnType<typeof dbClient>, schema: string): Promise<string[]> {
  return (await sql.unsafe(`select label from "${schema}".runs order by at`)).map((r) => r.label);
}

test("tq control revoke --terminate from another process stops a running task, which ends REVOKED; the worker keeps serving", async () => {
  const schema = uniqueSchema("revokeproc");
  const app = await producerApp(schema);
  const sql = dbClient();
  const workers: CliProcess[] = [];
  try {
    workers.push(await startWorker(schema, ["--queues", "slow,default", "--concurrency", "1"]));
    const running = await app.sendTask("wait_for_abort", [], { queue: "slow" });
    await eventually(async () => (await labels(sql, schema)).includes("start"), 20_000, "the task to start");
    const control = runCli(["control", "revoke", running.id, "--terminate"], { TQ_SCHEMA: schema });
    assert.equal(await control.exited, 0, control.output());
    assert.match(control.output(), /running: its worker was told/);
    await assert.rejects(running.get({ timeout: 20_000 }), (e: unknown) => e instanceof TaskFailed && e.name === "TaskRevoked");
    await eventually(async () => (await labels(sql, schema)).includes("aborted:TaskRevoked"), 10_000, "the handler to see its signal");
    // concurrency 1: the next task runs only because the revoked one freed its slot.
    assert.equal(await (await app.sendTask("add", [2, 3])).get({ timeout: 20_000 }), 5);

    const queued = await app.sendTask("add", [1, 1], { countdown: "1h" });
    const again = runCli(["control", "revoke", queued.id, "--json"], { TQ_SCHEMA: schema });
    assert.equal(await again.exited, 0, again.output());
    assert.deepEqual(JSON.parse(again.output()), [{ id: queued.id, outcome: "revoked", worker: null }]);
    assert.equal(await queued.status(), "REVOKED");
  } finally {
    await cleanup(workers, app, sql, schema);
  }
});

test("an at-most-once task (acksLate: false) whose worker is SIGKILLed is not run again and fails with WorkerLost", async () => {
  const schema = uniqueSchema("atmostonce");
  const app = await producerApp(schema);
  const sql = dbClient();
  const workers: CliProcess[] = [];
  try {
    const victim = await startWorker(schema, ["--queues", "slow"], FAST);
    workers.push(victim);
    const result = await app.sendTask("at_most_once", [1_000], { queue: "slow" });
    await eventually(async () => (await labels(sql, schema)).includes("start"), 20_000, "the task to start");
    victim.kill("SIGKILL");
    await victim.exited;
    workers.push(await startWorker(schema, ["--queues", "slow"], FAST));
    await assert.rejects(result.get({ timeout: 30_000 }), (e: unknown) => e instanceof TaskFailed && e.name === "WorkerLost" && /acksLate: false/.test(e.message));
    await new Promise((r) => setTimeout(r, 1_500));
    assert.deepEqual(await labels(sql, schema), ["start"], "it started once and never again");
  } finally {
    await cleanup(workers, app, sql, schema);
  }
});

test("tq retry --all-failed --task sends failed jobs again, and tq control rate-limit validates its rate", async () => {
  const schema = uniqueSchema("retrycli");
  const app = await producerApp(schema);
  const sql = dbClient();
  const workers: CliProcess[] = [];
  try {
    workers.push(await startWorker(schema, [], FAST));
    const failed = await app.sendMany("fail", [["a"], ["b"]]);
    for (const result of failed) await assert.rejects(result.get({ timeout: 20_000 }), (e: unknown) => e instanceof TaskFailed && e.name === "RangeError");
    const retry = runCli(["retry", "--all-failed", "--task", "fail"], { TQ_SCHEMA: schema });
    assert.equal(await retry.exited, 0, retry.output());
    assert.deepEqual(retry.output().trim().split("\n").sort(), failed.map((r) => r.id).sort());
    for (const result of failed) {
      await assert.rejects(result.get({ timeout: 20_000 }), (e: unknown) => e instanceof TaskFailed && e.name === "RangeError");
      assert.equal((await result.record()).errors.length, 2, "both runs are in the history");
    }
    const unknown = runCli(["retry", crypto.randomUUID()], { TQ_SCHEMA: schema });
    assert.equal(await unknown.exited, 2);
    assert.match(unknown.output(), /Not failed \(or no longer kept\)/);

    const bad = runCli(["control", "rate-limit", "add", "fast please"], { TQ_SCHEMA: schema });
    assert.equal(await bad.exited, 2);
    assert.match(bad.output(), /must be a rate such as "100\/s"/);
    const ok = runCli(["control", "rate-limit", "add", "10/m"], { TQ_SCHEMA: schema });
    assert.equal(await ok.exited, 0, ok.output());
    const [setting] = await sql.unsafe(`select rate_limit from "${schema}".task_settings where task = 'add'`);
    assert.equal(setting.rate_limit, "10/m");
  } finally {
    await cleanup(workers, app, sql, schema);
  }
});

test("under --pool threads a handler stuck in while(true) is stopped at its hard time limit and the worker keeps serving", async () => {
  const schema = uniqueSchema("hardlimit");
  const app = await producerApp(schema);
  const sql = dbClient();
  const workers: CliProcess[] = [];
  try {
    // On Deno the threads pool runs child processes: Deno cannot stop a spinning thread.
    const worker = await startWorker(schema, ["--pool", "threads", "--concurrency", "1"]);
    workers.push(worker);
    const started = performance.now();
    const stuck = await app.sendTask("spin", []);
    await assert.rejects(stuck.get({ timeout: "20s" }), (e: unknown) => e instanceof TaskFailed && e.name === "TimeLimitExceeded");
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 450, `failed after ${elapsed} ms, before its hard limit of 500 ms`);
    // concurrency 1: these run only because the spinning handler was stopped and replaced.
    assert.equal(await (await app.sendTask("add", [2, 3])).get({ timeout: "20s" }), 5);
    assert.equal(await (await app.sendTask("add", [4, 5])).get({ timeout: "20s" }), 9);
    worker.kill("SIGTERM");
    assert.equal(await worker.exited, 0, worker.output());
  } finally {
    await cleanup(workers, app, sql, schema);
  }
});
