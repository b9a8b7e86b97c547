/**
 * How a worker process stops (Celery's warm, soft and cold shutdown), with
 * real processes and real signals: the first SIGTERM stops claiming, hands
 * unstarted jobs back and gives running handlers the grace; when the grace is
 * spent, or on a second signal, the handlers are aborted and their jobs handed
 * back (interrupted, not failed, no attempt charged) and the worker exits 75.
 * Only a crash leaves a job to its lease. Every count is read from the database.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { type CliProcess, eventually, needsServer, runCli } from "../_helpers.ts";
import {
  closedPort,
  exitOf,
  FAULT_TASKS,
  isWorkerOf,
  jobRow,
  processAlive,
  resultRow,
  runsOf,
  type Scenario,
  SHORT_LEASE,
  silentServer,
  sleep,
  successLines,
  withScenario,
} from "./_worker_helpers.ts";

/** What `tq worker` exits with when it had to hand running jobs back (EX_TEMPFAIL). */
const EXIT_INTERRUPTED = 75;
/**
 * Sent with no retries (as the task declares): a run that counted as a failed
 * attempt would end the job, so a job that succeeds after an interruption
 * shows that the interruption was not charged.
 */
const NO_RETRIES = { maxRetries: 0 };
/** A job long enough never to finish within a test: it sleeps 60 s on its first start, 100 ms after. */
const SIXTY_SECONDS_THEN_SHORT = [60_000, 100];

/** No unhandled error and no connection torn down under a query while the worker stopped. */
function expectQuietExit(worker: CliProcess): void {
  assert.doesNotMatch(worker.output(), /CONNECTION_(ENDED|DESTROYED|CLOSED)|Uncaught|Unhandled/i, `the worker stopped without an unhandled error:\n${worker.output()}`);
}

async function waitForStarts(scenario: Scenario, id: string, count: number): Promise<void> {
  await eventually(async () => (await runsOf(scenario.sql, scenario.schema, id)).filter((r) => r.label === "start").length >= count, 20_000, `job ${id} to start`);
}

/**
 * A job handed back by a worker's shutdown: queued again within 1 s of the
 * worker's exit, its claim's attempt kept (the fencing token is never
 * lowered) but not charged, one interruption recorded and no error.
 */
async function expectHandedBackByShutdown(scenario: Scenario, id: string, worker: CliProcess): Promise<void> {
  const { sql, schema } = scenario;
  await eventually(async () => (await jobRow(sql, schema, id))?.state === "queued", 1_000, "the job to be queued again within 1 s of the worker's exit");
  const row = (await jobRow(sql, schema, id))!;
  assert.equal(row.attempt, 1, "the attempt raised by the claim stays: the fencing token is never lowered");
  assert.equal(row.uncharged, 1, "the interrupted claim is not charged as an attempt");
  assert.equal(row.worker, null);
  assert.deepEqual(row.errors, [], "an interruption is not an error");
  assert.ok(Array.isArray(row.interruptions), `jobs.interruptions is a list, got ${JSON.stringify(row.interruptions)}`);
  assert.equal(row.interruptions.length, 1, `one interruption: ${JSON.stringify(row.interruptions)}`);
  const [entry] = row.interruptions;
  assert.equal(entry.reason, "shutdown");
  assert.equal(entry.attempt, 1);
  assert.ok(isWorkerOf(entry.worker, worker.pid), `the interruption names the worker that handed the job back, got ${entry.worker}`);
  assert.ok(entry.at, "the interruption has a time");
  assert.equal(await resultRow(sql, schema, id), undefined, "an interrupted job has no result yet");
  assert.deepEqual(successLines(worker.output(), id), [], "the interrupted job is never logged as a success");
  expectQuietExit(worker);
}

/** The next worker runs the interrupted job to SUCCESS; its result keeps the interruption and no error. */
async function expectRunsToSuccessOnNextWorker(scenario: Scenario, id: string, workerArgs: string[] = []): Promise<void> {
  const { sql, schema } = scenario;
  await scenario.worker(workerArgs);
  assert.equal(await scenario.app.asyncResult(id).get({ timeout: 20_000 }), "slept");
  const result = (await resultRow(sql, schema, id))!;
  assert.equal(result.state, "SUCCESS", "with maxRetries: 0 it still succeeds: the interruption used no attempt");
  assert.deepEqual(result.errors, [], "results.errors holds failed attempts only");
  assert.equal(result.attempts, 1, "results.attempts counts charged attempts: the interrupted claim was not charged");
  assert.equal(result.interruptions?.length, 1, `results.interruptions keeps the interruption: ${JSON.stringify(result.interruptions)}`);
  assert.equal(result.interruptions[0].reason, "shutdown");
  const starts = (await runsOf(sql, schema, id)).filter((r) => r.label === "start");
  assert.equal(starts.length, 2, "it started once in each worker");
}

test("a job that finishes within the grace succeeds, and the worker exits 0 (a clean stop)", async () => {
  await withScenario("clean_stop", async (scenario) => {
    const { sql, schema } = scenario;
    const worker = await scenario.worker(["--grace", "1s"]);
    const sent = await scenario.app.sendTask("nap", [300], NO_RETRIES);
    await waitForStarts(scenario, sent.id, 1);
    worker.kill("SIGTERM");
    const code = await worker.exited;
    expectQuietExit(worker);
    assert.equal(code, 0, worker.output());
    const result = (await resultRow(sql, schema, sent.id))!;
    assert.equal(result?.state, "SUCCESS", "its result was stored before the worker exited");
    assert.equal(result.attempts, 1);
    assert.deepEqual(result.errors, []);
    assert.deepEqual(result.interruptions ?? [], [], "a job that finished was not interrupted");
    assert.equal(successLines(worker.output(), sent.id).length, 1, "its success is logged once");
  });
});

test("at the first signal, prefetched jobs that never started go back to the queue at once, uncharged, while the running one finishes", async () => {
  await withScenario("prefetched_back", async (scenario) => {
    const { sql, schema } = scenario;
    const worker = await scenario.worker(["--concurrency", "1", "--prefetch", "2", "--grace", "10s"]);
    const sent = await scenario.app.sendMany("nap", [[1_500], [1_500], [1_500]], NO_RETRIES);
    const ids = sent.map((r) => r.id);
    await eventually(async () => {
      const rows = await Promise.all(ids.map((id) => jobRow(sql, schema, id)));
      return rows.every((row) => row?.state === "running");
    }, 20_000, "the worker to claim all 3 jobs");
    let running = "";
    await eventually(async () => {
      for (const id of ids) if ((await runsOf(sql, schema, id)).length) running = id;
      return running !== "";
    }, 20_000, "one job to start");
    const prefetched = ids.filter((id) => id !== running);
    await eventually(async () => Boolean((await jobRow(sql, schema, running))?.started_at), 2_000, "started_at to be set once the handler starts");
    for (const id of prefetched) {
      assert.equal((await jobRow(sql, schema, id))?.started_at, null, "a claimed job whose handler has not started has no started_at");
    }

    worker.kill("SIGTERM");
    await eventually(async () => {
      const rows = await Promise.all(prefetched.map((id) => jobRow(sql, schema, id)));
      return rows.every((row) => row?.state === "queued");
    }, 500, "the prefetched jobs to be handed back at once");
    assert.ok(worker.running(), "the worker is still finishing its running job");
    for (const id of prefetched) {
      const row = (await jobRow(sql, schema, id))!;
      assert.equal(row.attempt, 1, "the claim's attempt stays: the fencing token is never lowered");
      assert.equal(row.uncharged, 1, "a claim that never started is not charged");
      assert.equal(row.started_at, null);
      assert.deepEqual(row.interruptions, [], "a job that never started was not interrupted");
      assert.deepEqual(row.errors, []);
    }

    const code = await worker.exited;
    expectQuietExit(worker);
    assert.equal(code, 0, worker.output());
    const finished = (await resultRow(sql, schema, running))!;
    assert.equal(finished?.state, "SUCCESS", "the running job finished within the grace");
    assert.deepEqual(finished.interruptions ?? [], []);

    await scenario.worker(["--concurrency", "2"]);
    for (const id of prefetched) {
      assert.equal(await scenario.app.asyncResult(id).get({ timeout: 20_000 }), "slept");
      const result = (await resultRow(sql, schema, id))!;
      assert.deepEqual(result.errors, []);
      assert.equal(result.attempts, 1, "results.attempts counts charged attempts: the first claim was not charged");
    }
  });
});

test("a job still running when the grace runs out is aborted with WorkerShutdown, handed back uncharged with its interruption, and succeeds on the next worker; the worker exits 75", async () => {
  await withScenario("grace_spent", async (scenario) => {
    const worker = await scenario.worker(["--grace", "1s"]);
    const sent = await scenario.app.sendTask("nap", SIXTY_SECONDS_THEN_SHORT, NO_RETRIES);
    await waitForStarts(scenario, sent.id, 1);
    const signalled = performance.now();
    worker.kill("SIGTERM");
    const { code, ms } = await exitOf(worker, signalled);
    assert.equal(code, EXIT_INTERRUPTED, worker.output());
    assert.ok(ms >= 900, `it gave the handler its 1 s grace (exited after ${Math.round(ms)} ms)`);
    assert.ok(ms < 6_000, `it did not wait for the 60 s handler (exited after ${Math.round(ms)} ms)`);
    await expectHandedBackByShutdown(scenario, sent.id, worker);
    const labels = (await runsOf(scenario.sql, scenario.schema, sent.id)).map((r) => r.label);
    assert.ok(labels.includes("aborted:WorkerShutdown"), `the handler's signal was aborted with WorkerShutdown; it recorded ${labels.join(", ")}`);
    await expectRunsToSuccessOnNextWorker(scenario, sent.id);
  });
});

test("a second signal cuts the grace short: the job is handed back the same way and the worker exits 75 within seconds", async () => {
  await withScenario("second_signal", async (scenario) => {
    const worker = await scenario.worker(["--grace", "30s"]);
    const sent = await scenario.app.sendTask("nap", SIXTY_SECONDS_THEN_SHORT, NO_RETRIES);
    await waitForStarts(scenario, sent.id, 1);
    const signalled = performance.now();
    worker.kill("SIGTERM");
    await sleep(300);
    worker.kill("SIGTERM");
    const { code, ms } = await exitOf(worker, signalled);
    assert.equal(code, EXIT_INTERRUPTED, worker.output());
    assert.ok(ms < 5_000, `the second signal cut the 30 s grace (exited after ${Math.round(ms)} ms)`);
    await expectHandedBackByShutdown(scenario, sent.id, worker);
    const labels = (await runsOf(scenario.sql, scenario.schema, sent.id)).map((r) => r.label);
    assert.ok(labels.includes("aborted:WorkerShutdown"), `the handler's signal was aborted with WorkerShutdown; it recorded ${labels.join(", ")}`);
    await expectRunsToSuccessOnNextWorker(scenario, sent.id);
  });
});

test("under --pool process, a job still running when the grace runs out is handed back the same way, its child process is killed, and the worker exits 75", async () => {
  await withScenario("grace_pool", async (scenario) => {
    const worker = await scenario.worker(["--pool", "process", "--concurrency", "1", "--grace", "1s"]);
    const sent = await scenario.app.sendTask("nap", SIXTY_SECONDS_THEN_SHORT, NO_RETRIES);
    await waitForStarts(scenario, sent.id, 1);
    const [{ pid: child }] = await runsOf(scenario.sql, scenario.schema, sent.id);
    assert.notEqual(child, worker.pid, "the handler runs in a child process");
    const signalled = performance.now();
    worker.kill("SIGTERM");
    const { code, ms } = await exitOf(worker, signalled);
    assert.equal(code, EXIT_INTERRUPTED, worker.output());
    assert.ok(ms >= 900 && ms < 8_000, `it gave the handler its 1 s grace and no more (exited after ${Math.round(ms)} ms)`);
    await expectHandedBackByShutdown(scenario, sent.id, worker);
    await eventually(() => !processAlive(child), 1_000, `the pool's child process ${child} to be gone`);
    await expectRunsToSuccessOnNextWorker(scenario, sent.id, ["--pool", "process", "--concurrency", "1"]);
  });
});

test("only a crash (SIGKILL) leaves a job to its lease, and only that fails it with WorkerLost", needsServer("short leases and a rescue sweep in time"), async () => {
  await withScenario("crash_lease", async (scenario) => {
    const { sql, schema } = scenario;
    const victim = await scenario.worker([], SHORT_LEASE);
    const sent = await scenario.app.sendTask("nap", SIXTY_SECONDS_THEN_SHORT, NO_RETRIES);
    await waitForStarts(scenario, sent.id, 1);
    victim.kill("SIGKILL");
    assert.equal(await victim.exited, "SIGKILL");
    const held = (await jobRow(sql, schema, sent.id))!;
    assert.equal(held.state, "running", "nobody handed the job back: it waits for its lease to run out");
    assert.ok(isWorkerOf(held.worker, victim.pid));

    await scenario.worker([], SHORT_LEASE);
    await eventually(async () => (await resultRow(sql, schema, sent.id)) !== undefined, 20_000, "the rescue sweep to end the job");
    const result = (await resultRow(sql, schema, sent.id))!;
    assert.equal(result.state, "FAILURE", "with maxRetries: 0, its one charged attempt was lost with the worker");
    assert.equal(result.error?.type, "WorkerLost");
    assert.deepEqual(result.interruptions ?? [], [], "a crash is not an interruption");
    const starts = (await runsOf(sql, schema, sent.id)).filter((r) => r.label === "start");
    assert.equal(starts.length, 1, "it was not run again");
  });
});

test("a worker still connecting to a database that never answers stops on the first signal within seconds", async () => {
  const server = await silentServer();
  try {
    await withScenario("connecting", async (scenario) => {
      const worker = scenario.track(runCli(["worker", "-A", FAULT_TASKS, "--log-level", "info"], {
        TQ_SCHEMA: scenario.schema,
        TQ_DATABASE_URL: `postgres://postgres@127.0.0.1:${server.port}/postgres`,
      }));
      await eventually(() => server.connections() > 0 || !worker.running(), 20_000, "the worker to connect");
      assert.ok(worker.running(), `the worker waits for the database rather than giving up:\n${worker.output()}`);
      await sleep(300);
      const signalled = performance.now();
      worker.kill("SIGTERM");
      const exit = await Promise.race([worker.exited.then(() => performance.now() - signalled), sleep(5_000).then(() => null)]);
      assert.ok(exit !== null && exit < 3_000, `it stopped on the first SIGTERM within 3 s (it took ${exit === null ? "more than 5 s" : `${Math.round(exit)} ms`}):\n${worker.output()}`);
      assert.notEqual(await worker.exited, "SIGTERM", "it handled the signal itself");
    });
  } finally {
    await server.close();
  }
});

test("a worker still connecting to a port that refuses connections stops on the first signal within seconds", async () => {
  const port = await closedPort();
  await withScenario("refused", async (scenario) => {
    const worker = scenario.track(runCli(["worker", "-A", FAULT_TASKS, "--log-level", "info"], {
      TQ_SCHEMA: scenario.schema,
      TQ_DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/postgres`,
    }));
    await Promise.race([worker.exited, sleep(1_500)]);
    if (!worker.running()) {
      // It gave up on its own: then it says so with a failure code.
      assert.notEqual(await worker.exited, 0, worker.output());
      return;
    }
    const signalled = performance.now();
    worker.kill("SIGTERM");
    const exit = await Promise.race([worker.exited.then(() => performance.now() - signalled), sleep(5_000).then(() => null)]);
    assert.ok(exit !== null && exit < 3_000, `it stopped on the first SIGTERM within 3 s (it took ${exit === null ? "more than 5 s" : `${Math.round(exit)} ms`}):\n${worker.output()}`);
  });
});
