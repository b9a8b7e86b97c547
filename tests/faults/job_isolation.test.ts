/**
 * A job fails only for its own reasons, with real worker processes: a worker
 * that lacks a task leaves its jobs alone (rolling deploys), the jobs claimed
 * next to a job that kills its worker are not charged for that crash, the
 * task's own declaration decides its retries however it was sent, and a pool
 * child that dies is a crash like any other. Every count is read from the
 * database.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { type CliProcess, DATABASE_URL, eventually, needsServer, runCli } from "../_helpers.ts";
import { app as faultApp, probeCrash } from "../fixtures/fault_tasks.ts";
import { countRuns, DEPLOY_OLD, isWorkerOf, resultRow, type Row, runsOf, SHORT_LEASE, sleep, withScenario } from "./_worker_helpers.ts";

test("in a rolling deploy, an old worker without a task never claims its jobs; they wait, say why, and run exactly once on the new worker", async () => {
  await withScenario("rolling", async (scenario) => {
    const { sql, schema, app } = scenario;
    const old = await scenario.worker([], {}, DEPLOY_OLD);
    const sent = await app.sendMany("shipped_later", Array.from({ length: 10 }, (_, i) => [`job-${i}`]));
    const ids = sent.map((r) => r.id);
    // A job sent after them that the old worker has: once it is done, the old worker has looked past them.
    assert.equal(await (await app.sendTask("echo", ["old is alive"])).get({ timeout: 20_000 }), "old is alive");
    await sleep(1_000);

    const rows = await sql.unsafe(`select id::text, state, attempt from "${schema}".jobs where id = any($1::uuid[])`, [ids]);
    assert.equal(rows.length, 10, "every job is still in the queue");
    for (const row of rows) {
      assert.equal(row.state, "queued", `job ${row.id} was not claimed by the worker that lacks its task`);
      assert.equal(row.attempt, 0, `job ${row.id} was never claimed`);
    }
    const [{ results }] = await sql.unsafe(`select count(*)::int as results from "${schema}".results where id = any($1::uuid[])`, [ids]);
    assert.equal(results, 0, "none of them failed (or finished)");
    assert.equal(await countRuns(sql, schema, `label = 'shipped'`), 0, "none of them ran");

    const why = runCli(["inspect", "why", ids[0]], { TQ_SCHEMA: schema });
    assert.equal(await why.exited, 0, why.output());
    assert.match(why.output(), /No live worker consuming "default" has the task "shipped_later" registered/);

    const current = await scenario.worker();
    await eventually(async () => {
      const [{ n }] = await sql.unsafe(`select count(*)::int as n from "${schema}".results where id = any($1::uuid[])`, [ids]);
      return n === 10;
    }, 20_000, "the new worker to run the 10 jobs");
    const [outcome] = await sql.unsafe(
      `select count(*) filter (where state = 'SUCCESS')::int as succeeded, count(*) filter (where state <> 'SUCCESS')::int as other
       from "${schema}".results where id = any($1::uuid[])`,
      [ids],
    );
    assert.deepEqual({ ...outcome }, { succeeded: 10, other: 0 });
    const [runs] = await sql.unsafe(
      `select count(*)::int as runs, count(distinct job_id)::int as jobs, count(*) filter (where pid <> $1)::int as elsewhere
       from "${schema}".runs where label = 'shipped'`,
      [current.pid],
    );
    assert.deepEqual({ ...runs }, { runs: 10, jobs: 10, elsewhere: 0 }, "each ran exactly once, on the new worker");
    assert.ok(old.running(), "the old worker kept serving throughout");
  });
});

test("the jobs claimed next to a job that kills its worker are not charged for the crash: 100 of 100 succeed, and the poison fails with WorkerLost once its attempts are used", needsServer("many worker processes and short leases"), async () => {
  await withScenario("poison", async (scenario) => {
    const { sql, schema, app } = scenario;
    // The poison first, then 100 healthy jobs with no retries: each
    // worker's first claim takes the poison and 20 healthy jobs, which are
    // still waiting in its prefetch buffer when the poison kills it.
    const poison = await app.sendTask("poison", [], { queue: "poison", maxRetries: 1 });
    const healthy = (await app.sendMany("quick", Array.from({ length: 100 }, (_, i) => [i]), { queue: "poison", maxRetries: 0 })).map((r) => r.id);
    const args = ["--queues", "poison", "--concurrency", "1", "--prefetch", "20"];

    let crashes = 0;
    const dead: number[] = [];
    const caught: string[] = [];
    let worker: CliProcess = await scenario.worker(args, SHORT_LEASE);
    const done = async () => {
      const [{ n }] = await sql.unsafe(`select count(*)::int as n from "${schema}".results where id = any($1::uuid[]) or id = $2`, [healthy, poison.id]);
      return n === 101;
    };
    const deadline = Date.now() + 45_000;
    while (!(await done())) {
      assert.ok(Date.now() < deadline, `all jobs to finish within 45 s (${crashes} crashes so far)`);
      if (!worker.running()) {
        assert.equal(await worker.exited, "SIGKILL", `the worker died only of the poison:\n${worker.output()}`);
        crashes++;
        dead.push(worker.pid);
        // Healthy jobs still held (under the leases of dead workers) were claimed and never started.
        const held = await sql.unsafe(`select id::text, worker, started_at from "${schema}".jobs where id = any($1::uuid[]) and state = 'running'`, [healthy]);
        for (const row of held) {
          assert.ok(dead.some((pid) => isWorkerOf(row.worker, pid)), `only dead workers hold healthy jobs, not ${row.worker} (dead: ${dead.join(", ")})`);
          assert.equal(row.started_at, null, "a healthy job held by a dead worker had not started");
          if (isWorkerOf(row.worker, worker.pid)) caught.push(row.id);
        }
        assert.ok(crashes <= 4, "the poison stops crashing workers once its attempts are used");
        worker = await scenario.worker(args, SHORT_LEASE);
      }
      await sleep(100);
    }

    const poisoned = (await resultRow(sql, schema, poison.id))!;
    assert.equal(poisoned.state, "FAILURE");
    assert.equal(poisoned.error?.type, "WorkerLost", "it failed because its worker was lost");
    assert.equal(await countRuns(sql, schema, `job_id = $1`, [poison.id]), 2, "with maxRetries: 1, it ran twice");
    assert.equal(crashes, 2, "it crashed a worker each time it ran");

    const results: Row[] = await sql.unsafe(`select to_jsonb(r) as row from "${schema}".results r where id = any($1::uuid[])`, [healthy]).then((rows) => rows.map((r) => r.row));
    const failed = results.filter((r) => r.state !== "SUCCESS").map((r) => `${r.id}: ${r.state} ${r.error?.type}`);
    assert.deepEqual(failed, [], "100 of 100 healthy jobs succeeded");
    const charged = results.filter((r) => r.errors.length > 0).map((r) => `${r.id}: ${JSON.stringify(r.errors)}`);
    assert.deepEqual(charged, [], "no healthy job has a failed attempt in its history");
    const recharged = results.filter((r) => r.attempts !== 1).map((r) => `${r.id}: ${r.attempts}`);
    assert.deepEqual(recharged, [], "results.attempts counts charged attempts: 1 for each healthy job");
    const [{ runs, jobs }] = await sql.unsafe(`select count(*)::int as runs, count(distinct job_id)::int as jobs from "${schema}".runs where job_id = any($1::uuid[])`, [healthy]);
    assert.deepEqual({ runs, jobs }, { runs: 100, jobs: 100 }, "each healthy job ran exactly once");
    assert.ok(caught.length >= 20, `healthy jobs were waiting in a dying worker's buffer (${caught.length} times)`);
  });
});

test("a task's declared maxRetries rules on the worker: it runs 3 times whether sent by code, by name from an app without the task, or by the CLI", async () => {
  await withScenario("declared_retries", async (scenario) => {
    const { sql, schema, app } = scenario;
    await scenario.worker();
    faultApp.configFromObject({ databaseUrl: DATABASE_URL, schema, logLevel: "silent" });
    try {
      const byCode = (await probeCrash.delay("code")).id;
      const byName = (await app.sendTask("probe_crash", ["name"])).id;
      const call = runCli(["call", "probe_crash", "cli"], { TQ_SCHEMA: schema });
      assert.equal(await call.exited, 0, call.output());
      const byCli = call.output().trim().split("\n").at(-1)!;
      assert.match(byCli, /^[0-9a-f-]{36}$/, `tq call prints the task id:\n${call.output()}`);

      for (const [how, id] of [["by code", byCode], ["by name", byName], ["by the CLI", byCli]]) {
        await eventually(async () => (await resultRow(sql, schema, id)) !== undefined, 20_000, `the job sent ${how} to end`);
        const result = (await resultRow(sql, schema, id))!;
        assert.equal(result.state, "FAILURE", `sent ${how}: out of retries`);
        const runs = (await runsOf(sql, schema, id)).filter((r) => r.label === "run").length;
        assert.equal(runs, 3, `sent ${how}: ran 3 times (1 + maxRetries: 2), ran ${runs}`);
        assert.equal(result.errors.length, 3, `sent ${how}: each failed attempt is in its history`);
      }
    } finally {
      await faultApp.close();
    }
  });
});

test("under --pool process, a child process that dies is retried like any crash: the job succeeds next time, with WorkerLost in its history", async () => {
  await withScenario("child_dies", async (scenario) => {
    const { sql, schema, app } = scenario;
    await scenario.worker(["--pool", "process", "--concurrency", "1"]);
    const sent = await app.sendTask("dies_once", []);
    await eventually(async () => (await resultRow(sql, schema, sent.id)) !== undefined, 20_000, "the job to end");
    const result = (await resultRow(sql, schema, sent.id))!;
    assert.equal(result.state, "SUCCESS", `it ran again after its child died: ${JSON.stringify(result.error)}`);
    assert.equal(result.value, "survived");
    assert.deepEqual(result.errors.map((e: Row) => e.type), ["WorkerLost"], "the crash is one failed attempt in its history");
    const starts = (await runsOf(sql, schema, sent.id)).filter((r) => r.label === "start");
    assert.equal(starts.length, 2);
    assert.notEqual(starts[0].pid, starts[1].pid, "in a new child process");
  });
});
