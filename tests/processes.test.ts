/**
 * Real worker processes (started through the CLI) against the real database:
 * exactly-once claiming across processes, crash recovery after SIGKILL, and
 * graceful shutdown on SIGTERM.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { type CliProcess, dbClient, dropSchema, eventually, producerApp, startWorker, uniqueSchema } from "./_helpers.ts";

async function stopAll(workers: CliProcess[]): Promise<void> {
  for (const worker of workers) {
    if (worker.running()) worker.kill("SIGKILL");
    await worker.exited;
  }
}

test("4 worker processes share 10,000 jobs and each job runs exactly once", async () => {
  const schema = uniqueSchema("once");
  const app = await producerApp(schema);
  const sql = dbClient();
  const workers: CliProcess[] = [];
  try {
    await app.sendMany("record", Array.from({ length: 10_000 }, (_, i) => [`job-${i}`]));
    for (let i = 0; i < 4; i++) workers.push(await startWorker(schema, ["--concurrency", "10"]));
    await eventually(async () => {
      const [{ left }] = await sql.unsafe(`select count(*)::int as left from "${schema}".jobs`);
      return left === 0;
    }, 120_000, "the queue to drain");
    const [counts] = await sql.unsafe(
      `select count(*)::int as runs, count(distinct job_id)::int as jobs, count(distinct pid)::int as pids from "${schema}".runs`,
    );
    assert.equal(counts.jobs, 10_000, "every job ran");
    assert.equal(counts.runs, 10_000, "no job ran twice");
    assert.ok(counts.pids >= 2, `work was shared between processes (${counts.pids} took part)`);
    const [{ succeeded }] = await sql.unsafe(`select count(*)::int as succeeded from "${schema}".results where state = 'SUCCESS' and attempts = 1`);
    assert.equal(succeeded, 10_000);
    for (const worker of workers) worker.kill("SIGTERM");
    for (const worker of workers) assert.equal(await worker.exited, 0);
  } finally {
    await stopAll(workers);
    await sql.end();
    await app.close();
    await dropSchema(schema);
  }
});

test("a job whose worker was killed with SIGKILL runs again on another worker after its lease expires", async () => {
  const schema = uniqueSchema("crash");
  const app = await producerApp(schema);
  const sql = dbClient();
  const fast = { TQ_LEASE: "1500", TQ_HEARTBEAT: "300", TQ_MAINTENANCE_INTERVAL: "300", TQ_POLL_INTERVAL: "200" };
  const workers: CliProcess[] = [];
  try {
    const victim = await startWorker(schema, ["--queues", "slow"], fast);
    workers.push(victim);
    const result = await app.sendTask<number>("sleepy", [1_500], { queue: "slow" });
    await eventually(async () => (await sql.unsafe(`select 1 from "${schema}".runs where label = 'start'`)).length === 1, 20_000, "the task to start");
    victim.kill("SIGKILL");
    assert.equal(await victim.exited, "SIGKILL");
    assert.equal(await result.status(), "STARTED", "the killed worker's job is still held by its lease");

    const rescuer = await startWorker(schema, ["--queues", "slow"], fast);
    workers.push(rescuer);
    assert.equal(await result.get({ timeout: 30_000 }), 1_500);
    const record = await result.record();
    assert.equal(record.attempts, 2, "the job was claimed a second time");
    const starts = await sql.unsafe(`select distinct pid from "${schema}".runs where label = 'start'`);
    assert.equal(starts.length, 2, "it started in two different processes");
    assert.ok(starts.some((r) => r.pid === rescuer.pid));
  } finally {
    await stopAll(workers);
    await sql.end();
    await app.close();
    await dropSchema(schema);
  }
});

test("SIGTERM lets running tasks finish, hands unstarted jobs back, loses nothing, and exits 0", async () => {
  const schema = uniqueSchema("graceful");
  const app = await producerApp(schema);
  const sql = dbClient();
  const workers: CliProcess[] = [];
  try {
    const worker = await startWorker(schema, ["--queues", "slow", "--concurrency", "3", "--prefetch", "4"]);
    workers.push(worker);
    const sent = await app.sendMany<number>("sleepy", Array.from({ length: 10 }, () => [1_200]), { queue: "slow" });
    await eventually(async () => (await sql.unsafe(`select 1 from "${schema}".runs where label = 'start'`)).length === 3, 20_000, "3 tasks to start");
    worker.kill("SIGTERM");
    assert.equal(await worker.exited, 0);

    const [state] = await sql.unsafe(`
      select (select count(*)::int from "${schema}".runs where label = 'end') as ended,
             (select count(*)::int from "${schema}".results where state = 'SUCCESS') as succeeded,
             (select count(*)::int from "${schema}".jobs where state = 'queued' and attempt = uncharged) as handed_back,
             (select count(*)::int from "${schema}".jobs where state = 'running') as running,
             (select count(*)::int from "${schema}".workers) as workers`);
    assert.equal(state.ended, 3, "the running tasks finished");
    assert.equal(state.succeeded, 3, "and their results were written before exit");
    assert.equal(state.handed_back, 7, "every other job is back in the queue, unstarted");
    assert.equal(state.running, 0);
    assert.equal(state.workers, 0, "the worker removed its row");
    assert.match(worker.output(), /SIGTERM received/);

    // A new worker finishes the rest: nothing was lost.
    const next = await startWorker(schema, ["--queues", "slow", "--concurrency", "10"]);
    workers.push(next);
    const values = await Promise.all(sent.map((r) => r.get({ timeout: 30_000 })));
    assert.deepEqual(values, Array(10).fill(1_200));
  } finally {
    await stopAll(workers);
    await sql.end();
    await app.close();
    await dropSchema(schema);
  }
});

test("a second SIGTERM hands the running job back at once and exits 75 without waiting for it", async () => {
  const schema = uniqueSchema("cold");
  const app = await producerApp(schema);
  const sql = dbClient();
  const workers: CliProcess[] = [];
  try {
    const worker = await startWorker(schema, ["--queues", "slow"]);
    workers.push(worker);
    await app.sendTask("sleepy", [30_000], { queue: "slow" });
    await eventually(async () => (await sql.unsafe(`select 1 from "${schema}".runs where label = 'start'`)).length === 1, 20_000, "the task to start");
    const started = Date.now();
    worker.kill("SIGTERM");
    await worker.waitFor(/SIGTERM received/);
    worker.kill("SIGTERM");
    assert.equal(await worker.exited, 75);
    assert.ok(Date.now() - started < 10_000, "it did not wait for the 30 s task");
    const [job] = await sql.unsafe(`select state, attempt - uncharged as charged, jsonb_array_length(interruptions) as interruptions from "${schema}".jobs`);
    assert.deepEqual({ ...job }, { state: "queued", charged: 0, interruptions: 1 }, "the job is back in its queue, uncharged, its interruption recorded");
  } finally {
    await stopAll(workers);
    await sql.end();
    await app.close();
    await dropSchema(schema);
  }
});
