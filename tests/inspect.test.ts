/**
 * Seeing a running system: `tq inspect queues|workers` on a database state
 * built to be known exactly (dead worker included), `tq inspect
 * active|scheduled|failed|registered` against a worker process, `tq inspect
 * job` (attempts and their errors, result, timings, children), why a task
 * is not running (`app.why`, `tq inspect why`: one test per reason code),
 * and `tq purge` asking before it deletes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { hostname } from "node:os";
import process from "node:process";
import { type App, PROTOCOL_VERSION, type TaskContext, TaskFailed, Worker, type WorkerOptions, type WhyCode } from "../mod.ts";
import { type CliProcess, dbClient, disposeApp, dropSchema, eventually, producerApp, runCli, startWorker, testApp, uniqueSchema } from "./_helpers.ts";
import pkg from "../package.json" with { type: "json" };

/** Runs `tq ARGS...` on `schema` to its end. */
async function tq(schema: string, args: string[]): Promise<{ code: number | string; output: string }> {
  const cli = runCli(args, { TQ_SCHEMA: schema });
  const code = await cli.exited;
  return { code, output: cli.output() };
}

/** Runs `tq ARGS... --json` on `schema`, expects exit 0, and parses what it printed. */
// deno-lint-ignore no-explicit-any
async function tqJson(schema: string, args: string[]): Promise<any> {
  const { code, output } = await tq(schema, [...args, "--json"]);
  assert.equal(code, 0, `tq ${args.join(" ")} --json exited ${code}:\n${output}`);
  return JSON.parse(output);
}

/** A worker in this process, started (stop it in the test's cleanup). */
async function startInProcess(app: App, options: WorkerOptions): Promise<Worker> {
  const worker = new Worker(app, options);
  await worker.start();
  return worker;
}

/** A worker row whose last heartbeat was 10 minutes ago: dead, but not yet pruned (after an hour). */
async function insertDeadWorker(schema: string, row: { id: string; host: string; pid: number; queues: string[] }): Promise<void> {
  const sql = dbClient();
  try {
    await sql.unsafe(
      `insert into "${schema}".workers (id, app, host, pid, queues, concurrency, tasks, started_at, heartbeat_at)
       values ($1, 'gone', $2, $3, $4::text[], 2, '{}', now() - interval '2 hours', now() - interval '10 minutes')`,
      [row.id, row.host, row.pid, row.queues],
    );
  } finally {
    await sql.end();
  }
}

/** The reason codes `app.why(id)` gives, in order. */
async function whyCodes(app: App, id: string): Promise<WhyCode[]> {
  return (await app.why(id)).reasons.map((r) => r.code);
}

/** Waits until a worker has claimed job `id` (it is in the hot table as running). */
function claimed(app: App, id: string): Promise<void> {
  return eventually(async () => (await app.inspect.job(id)).job?.state === "running", 10_000, `job ${id} to be claimed`);
}

/** `text` as a literal inside a RegExp (worker ids hold a host name). */
const lit = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Waits until `worker` answers `reserved` with these ids, each as `task`. */
function reservedBy(app: App, worker: Worker, ids: string[], task: string): Promise<void> {
  return eventually(async () => {
    const { replies } = await app.inspect.reserved({ worker: worker.id, timeoutMs: 1_000 });
    const jobs = (replies[0]?.reply.jobs ?? []) as { id: string; task: string }[];
    return ids.every((id) => jobs.some((j) => j.id === id && j.task === task));
  }, 10_000, `worker ${worker.id} to hold ${ids.join(", ")}`);
}

/** A promise the test resolves to let a blocking task end. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

test("tq inspect queues and workers show a known database state, as a table and as JSON, dead worker included", async () => {
  const app = testApp("insp_queues");
  const schema = app.config.schema;
  const ok = app.task("ok", () => 1);
  const boom = app.task("boom", () => {
    throw new RangeError("no");
  });
  let live: Worker | undefined;
  try {
    await app.migrate();
    // alpha: 3 ready and 1 scheduled, nobody consumes it. gamma: 1 ready, consumed only by a dead worker.
    await app.sendMany("record", [["a1"], ["a2"], ["a3"]], { queue: "alpha" });
    await app.sendTask("record", ["later"], { queue: "alpha", countdown: "1h" });
    await app.sendTask("record", ["g"], { queue: "gamma" });

    // beta: 2 successes and 1 failure, then its worker stops.
    const beta = await startInProcess(app, { queues: ["beta"] });
    try {
      const [one, two, bad] = [await ok.applyAsync([], { queue: "beta" }), await ok.applyAsync([], { queue: "beta" }), await boom.applyAsync([], { queue: "beta" })];
      assert.deepEqual([await one.get({ timeout: 20_000 }), await two.get({ timeout: 20_000 })], [1, 1]);
      await assert.rejects(bad.get({ timeout: 20_000 }), (e: unknown) => e instanceof TaskFailed && /no/.test(e.message));
    } finally {
      await beta.stop({ graceMs: 1_000 });
    }

    // A dead worker on gamma and delta (delta has no jobs), and a live one on epsilon.
    await insertDeadWorker(schema, { id: "deadhost:4242:dead0001", host: "deadhost", pid: 4242, queues: ["gamma", "delta"] });
    live = await startInProcess(app, { queues: ["epsilon"] });

    const queues: { queue: string; oldestMs: number | null; runMsLastHour: number | null; waitMsLastHour: number | null }[] = await tqJson(schema, ["inspect", "queues"]);
    assert.deepEqual(queues.map((q) => q.queue), ["alpha", "beta", "epsilon", "gamma"], "queues with jobs, failures, recent work or a live consumer; not delta");
    const byName = new Map(queues.map(({ oldestMs, runMsLastHour, waitMsLastHour, ...rest }) => [rest.queue, { ...rest, hasOldest: oldestMs !== null,
      timed: runMsLastHour !== null && waitMsLastHour !== null && runMsLastHour >= 0 && runMsLastHour < 20_000 && waitMsLastHour >= 0 }]));
    const summary = (queue: string, counts: Partial<Record<string, number | boolean | null>>) => ({
      queue, queued: 0, scheduled: 0, running: 0, failed: 0, doneLastMinute: 0, doneLastHour: 0, consumers: 0, hasOldest: false, timed: false,
      paused: false, concurrencyLimit: null, limitUsed: null, groups: 0, groupConcurrency: null, ...counts,
    });
    assert.deepEqual(byName.get("alpha"), summary("alpha", { queued: 3, scheduled: 1, hasOldest: true }));
    assert.deepEqual(byName.get("beta"), summary("beta", { failed: 1, doneLastMinute: 3, doneLastHour: 3, timed: true }), "successes and the failure count as done, with their times");
    assert.deepEqual(byName.get("gamma"), summary("gamma", { queued: 1, hasOldest: true }), "a dead worker is no consumer");
    assert.deepEqual(byName.get("epsilon"), summary("epsilon", { consumers: 1 }));
    const alphaOldest = queues.find((q) => q.queue === "alpha")!.oldestMs!;
    assert.ok(alphaOldest >= 0 && alphaOldest < 60_000, `oldest waiting alpha job is ${alphaOldest} ms old`);

    const table = await tq(schema, ["inspect", "queues"]);
    assert.equal(table.code, 0, table.output);
    assert.match(table.output, /^QUEUE\s+STATE\s+QUEUED\s+SCHEDULED\s+RUNNING\s+LIMIT\s+GROUPS\s+FAILED\s+DONE\/1M\s+DONE\/1H\s+OLDEST WAITING\s+CONSUMERS$/m);
    assert.match(table.output, /^alpha\s+active\s+3\s+1\s+0\s+-\s+0\s+0\s+0\s+0\s+\d+(\.\d+)?(ms|s)\s+0$/m);
    assert.match(table.output, /^beta\s+active\s+0\s+0\s+0\s+-\s+0\s+1\s+3\s+3\s+-\s+0$/m);
    assert.match(table.output, /^epsilon\s+active\s+0\s+0\s+0\s+-\s+0\s+0\s+0\s+0\s+-\s+1$/m);
    assert.ok(!table.output.includes("\x1b["), "no colour when stdout is not a terminal");

    const workers: { id: string; alive: boolean; host: string; pid: number; queues: string[]; version: string | null; protocol: number | null }[] =
      await tqJson(schema, ["inspect", "workers"]);
    assert.deepEqual(
      workers.map((w) => ({ id: w.id, alive: w.alive, host: w.host, pid: w.pid, queues: w.queues, version: w.version, protocol: w.protocol })),
      [
        { id: "deadhost:4242:dead0001", alive: false, host: "deadhost", pid: 4242, queues: ["gamma", "delta"], version: null, protocol: null },
        { id: live.id, alive: true, host: hostname(), pid: process.pid, queues: ["epsilon"], version: pkg.version, protocol: PROTOCOL_VERSION },
      ],
      "the stopped beta worker removed its row; the dead one is listed, oldest first",
    );
    const workerTable = await tq(schema, ["inspect", "workers"]);
    assert.equal(workerTable.code, 0, workerTable.output);
    assert.match(workerTable.output, /^WORKER\s+STATE\s+VERSION\s+HOST\s+PID\s+QUEUES\s+CONCURRENCY\s+RUNNING\s+SUCCEEDED\s+FAILED\s+LAST HEARTBEAT$/m);
    // The dead worker's row was written without a version, as a tq before 0.2.0 writes it.
    assert.match(workerTable.output, /^deadhost:4242:dead0001\s+dead\s+<0\.2\.0\s+deadhost\s+4242\s+gamma,delta\s+2\s+0\s+0\s+0\s+10m ago$/m);
    assert.match(workerTable.output, new RegExp(`^${lit(live.id)}\\s+alive\\s+${lit(pkg.version)}\\s+`, "m"));
  } finally {
    await live?.stop({ graceMs: 1_000 });
    await disposeApp(app);
  }
});

test("tq inspect active, scheduled, failed and registered", async () => {
  const schema = uniqueSchema("insp_jobs");
  const producer = await producerApp(schema);
  let worker: CliProcess | undefined;
  try {
    worker = await startWorker(schema, ["--queues", "slow", "--concurrency", "4", "--grace", "1s"]);
    const registered: { worker: string; tasks: string[] }[] = await tqJson(schema, ["inspect", "registered"]);
    assert.equal(registered.length, 1);
    const workerId = registered[0].worker;
    // tq.map and tq.starmap: the built-in tasks behind task.map() and task.starmap(), in every app.
    assert.deepEqual(registered[0].tasks.toSorted(), ["add", "at_most_once", "fail", "fails_until", "record", "retry_once", "sleepy", "spin", "tq.map", "tq.starmap", "wait_for_abort"]);

    const running = await producer.sendTask("sleepy", [30_000], { queue: "slow" });
    const later = await producer.sendTask("sleepy", [1], { queue: "slow", countdown: "1h" });
    const failed = await producer.sendTask("fail", ["kaput"], { queue: "slow" });
    const unknown = await producer.sendTask("nope", [], { queue: "slow" });
    await assert.rejects(failed.get({ timeout: 20_000 }), TaskFailed);
    await claimed(producer, running.id);
    // No worker has "nope": its job waits for one that does, rather than failing.
    assert.equal(await unknown.status(), "PENDING");

    const active = await tqJson(schema, ["inspect", "active"]);
    assert.deepEqual(
      active.map((j: Record<string, unknown>) => [j.id, j.task, j.queue, j.state, j.worker, j.attempt, j.args]),
      [[running.id, "sleepy", "slow", "running", workerId, 1, [30_000]]],
    );
    const activeTable = await tq(schema, ["inspect", "active"]);
    assert.match(activeTable.output, /^ID\s+TASK\s+QUEUE\s+WORKER\s+STARTED\s+ATTEMPT\s+ARGS$/m);
    assert.match(activeTable.output, new RegExp(`^${running.id}\\s+sleepy\\s+slow\\s+${lit(workerId)}\\s+\\S+ ago\\s+1\\s+\\[30000\\]$`, "m"));

    const scheduled = await tqJson(schema, ["inspect", "scheduled"]);
    assert.deepEqual(
      scheduled.map((j: Record<string, unknown>) => [j.id, j.task, j.queue, j.state, j.worker, j.attempt, j.args]),
      [[later.id, "sleepy", "slow", "queued", null, 0, [1]]],
    );
    const inMs = Date.parse(scheduled[0].runAt) - Date.now();
    assert.ok(inMs > 3_500_000 && inMs <= 3_600_000, `scheduled to run in ${inMs} ms, about an hour`);

    const failures = await tqJson(schema, ["inspect", "failed"]);
    assert.deepEqual(
      failures.map((f: Record<string, unknown>) => [f.id, f.task, f.queue, f.attempts, f.errorType]).toSorted((a: string[], b: string[]) => a[1].localeCompare(b[1])),
      [[failed.id, "fail", "slow", 1, "RangeError"]],
    );
    const onlyFail = await tqJson(schema, ["inspect", "failed", "--task", "fail"]);
    assert.deepEqual(onlyFail.map((f: Record<string, unknown>) => [f.id, f.errorType, f.errorMessage]), [[failed.id, "RangeError", "kaput"]]);
    const failedTable = await tq(schema, ["inspect", "failed", "--task", "fail"]);
    assert.match(failedTable.output, new RegExp(`^${failed.id}\\s+fail\\s+slow\\s+1\\s+\\S+\\s+RangeError: kaput$`, "m"));
    assert.doesNotMatch(failedTable.output, /nope/);
    const none = await tq(schema, ["inspect", "failed", "--task", "add"]);
    assert.equal(none.output.trim(), "(none)");

    const registeredTable = await tq(schema, ["inspect", "registered"]);
    assert.match(registeredTable.output, new RegExp(`^${lit(workerId)}\\s+tq.map, tq.starmap, record, sleepy, add, fail, at_most_once, wait_for_abort, spin, retry_once, fails_until$`, "m"));
  } finally {
    worker?.kill("SIGTERM");
    await worker?.exited;
    await producer.close();
    await dropSchema(schema);
  }
});

test("tq inspect job shows message, attempts with errors, result, timings and children", async () => {
  const app = testApp("insp_job");
  const schema = app.config.schema;
  const flaky = app.task({ name: "flaky", maxRetries: 2, retryDelay: 10, retryJitter: false, autoRetryFor: [RangeError] }, function (this: TaskContext, word: string) {
    if (this.retries === 0) throw new RangeError("first try fails");
    return `${word} on try ${this.attempt}`;
  });
  app.task("child", (n: number) => n * 2);
  const parent = app.task("parent", async function (this: TaskContext) {
    const options = { parentId: this.id, rootId: this.rootId };
    const done = await app.sendTask("child", [21], options);
    const parked = await app.sendTask("child", [1], { ...options, queue: "parked" });
    return [done.id, parked.id];
  });
  let worker: Worker | undefined;
  try {
    worker = await startInProcess(app, {});
    const sent = await flaky.delay("hello");
    assert.equal(await sent.get({ timeout: 20_000 }), "hello on try 2");

    const report = await app.inspect.job(sent.id);
    assert.equal(report.state, "SUCCESS");
    assert.equal(report.task, "flaky");
    assert.equal(report.job, null, "it left the hot table");
    const result = report.result!;
    assert.equal(result.value, "hello on try 2");
    assert.equal(result.attempts, 2);
    assert.equal(result.worker, worker.id);
    assert.deepEqual(result.errors.map((e) => [e.attempt, e.type, e.message]), [[1, "RangeError", "first try fails"]]);
    assert.equal(result.parentId, null);
    assert.equal(result.rootId, sent.id);
    assert.ok(result.sentAt && result.startedAt, "sent and started times are kept");
    assert.ok(result.sentAt <= result.startedAt && result.startedAt <= result.finishedAt, "sent <= started <= finished");
    assert.equal(report.children.length, 0, "it sent no tasks");

    const json = await tqJson(schema, ["inspect", "job", sent.id]);
    assert.equal(json.id, sent.id);
    assert.equal(json.state, "SUCCESS");
    assert.equal(json.result.value, "hello on try 2");
    assert.equal(json.result.attempts, 2);
    assert.deepEqual(json.result.errors.map((e: Record<string, unknown>) => [e.attempt, e.type, e.message]), [[1, "RangeError", "first try fails"]]);
    const text = await tq(schema, ["inspect", "job", sent.id]);
    assert.equal(text.code, 0, text.output);
    assert.match(text.output, /^state:\s+SUCCESS$/m);
    assert.match(text.output, /^result:\s+hello on try 2$/m);
    assert.match(text.output, /^attempts:\s+2$/m);
    assert.match(text.output, new RegExp(`^worker:\\s+${lit(worker.id)}$`, "m"));
    assert.match(text.output, /^runtime:\s+\S+$/m);
    assert.match(text.output, /^attempts that failed:\n {2}#1 at \S+: RangeError: first try fails$/m);

    const parentResult = await parent.delay();
    const [childId, parkedId] = await parentResult.get({ timeout: 20_000 });
    assert.equal(await app.asyncResult(childId).get({ timeout: 20_000 }), 42);
    const family = await app.inspect.job(parentResult.id);
    assert.equal(family.state, "SUCCESS");
    assert.deepEqual(
      family.children.toSorted((a, b) => a.state.localeCompare(b.state)),
      [{ id: parkedId, task: "child", state: "PENDING" }, { id: childId, task: "child", state: "SUCCESS" }],
    );
    const child = await app.inspect.job(childId);
    assert.equal(child.result?.parentId, parentResult.id);
    assert.equal(child.result?.rootId, parentResult.id);
    const parentText = await tq(schema, ["inspect", "job", parentResult.id]);
    assert.match(parentText.output, new RegExp(`^children:$[\\s\\S]*^ {2}${childId} {2}child {2}SUCCESS$`, "m"));
    assert.match(parentText.output, new RegExp(`^ {2}${parkedId} {2}child {2}PENDING$`, "m"));
    const parkedText = await tq(schema, ["inspect", "job", parkedId]);
    assert.match(parkedText.output, /^state:\s+PENDING$/m);
    assert.match(parkedText.output, /^queue:\s+parked$/m);
    assert.match(parkedText.output, /^args:\s+\[1\]$/m);
    assert.match(parkedText.output, new RegExp(`^parent:\\s+${parentResult.id}$`, "m"));

    const missing = crypto.randomUUID();
    const unknown = await tq(schema, ["inspect", "job", missing]);
    assert.equal(unknown.code, 5, "an id with no trace is not found (docs/cli.md)");
    assert.match(unknown.output, new RegExp(`No task ${missing} is known`));
  } finally {
    await worker?.stop({ graceMs: 1_000 });
    await disposeApp(app);
  }
});

test("tq inspect why names each reason", async () => {
  const app = testApp("insp_why");
  const schema = app.config.schema;
  const release = gate();
  app.task("ok", () => 1);
  let blockStarted = false;
  app.task("block", () => ((blockStarted = true), release.wait));
  const limited = app.task("limited", () => "l");
  const workers: Worker[] = [];
  try {
    await app.migrate();
    await app.control.rateLimit("limited", "1/m");
    // "busy": one slot and one prefetched job; "limited": one start a minute.
    const busy = await startInProcess(app, { queues: ["busy"], concurrency: 1, prefetch: 1 });
    workers.push(busy);
    const throttled = await startInProcess(app, { queues: ["limited"], concurrency: 4 });
    workers.push(throttled);

    const running = await app.sendTask("block", [], { queue: "busy" });
    await eventually(() => blockStarted, 10_000, "block to start");
    const prefetched = await app.sendTask("ok", [], { queue: "busy" });
    await reservedBy(app, busy, [prefetched.id], "ok");
    const next = await app.sendTask("ok", [], { queue: "busy" });
    const behind = await app.sendTask("ok", [], { queue: "busy" });
    const notRegistered = await app.sendTask("nope", [], { queue: "busy" });
    const scheduled = await app.sendTask("ok", [], { queue: "busy", countdown: "1h" });
    const noConsumer = await app.sendTask("ok", [], { queue: "nobody" });
    const limitedNoConsumer = await app.sendTask("limited", [], { queue: "nobody" });
    const expired = await app.sendTask("ok", [], { queue: "nobody", expires: new Date(Date.now() - 60_000) });
    const revoked = await app.sendTask("ok", [], { queue: "nobody" });
    assert.deepEqual((await app.control.revoke(revoked.id)).map((r) => r.outcome), ["revoked"]);
    // The first start takes the minute's token; the next two are claimed and held.
    const first = await limited.applyAsync([], { queue: "limited" });
    assert.equal(await first.get({ timeout: 20_000 }), "l");
    const held = await limited.delayMany([[], []], { queue: "limited" });
    await reservedBy(app, throttled, held.map((h) => h.id), "(waiting for its rate limit)");

    assert.deepEqual(await whyCodes(app, running.id), ["running"]);
    assert.deepEqual(await whyCodes(app, prefetched.id), ["prefetched"]);
    assert.deepEqual(await whyCodes(app, next.id), ["waiting"]);
    const waiting = await app.why(behind.id);
    assert.deepEqual(waiting.reasons.map((r) => r.code), ["waiting"]);
    assert.match(waiting.reasons[0].message, /1 ready job\(s\) of queue "busy" come before it/);
    assert.match((await app.why(next.id)).reasons[0].message, /it is next in queue "busy"/);
    assert.deepEqual(await whyCodes(app, notRegistered.id), ["not-registered"]);
    assert.deepEqual(await whyCodes(app, scheduled.id), ["scheduled"]);
    assert.deepEqual(await whyCodes(app, noConsumer.id), ["no-consumer"]);
    assert.deepEqual(await whyCodes(app, limitedNoConsumer.id), ["no-consumer", "rate-limited"], "a rate limit set for the task is named too");
    assert.deepEqual(await whyCodes(app, expired.id), ["expired", "no-consumer"]);
    assert.deepEqual(await whyCodes(app, revoked.id), ["revoked"]);
    for (const h of held) assert.deepEqual(await whyCodes(app, h.id), ["rate-limited"], "held by the worker until the limit lets it start");
    const finished = await app.why(first.id);
    assert.deepEqual(finished, { id: first.id, task: "limited", reasons: [{ code: "finished", message: finished.reasons[0].message }] });
    assert.match(finished.reasons[0].message, new RegExp(`finished as SUCCESS at \\S+ on ${lit(throttled.id)}\\.$`));
    const unknownId = crypto.randomUUID();
    const unknown = await app.why(unknownId);
    assert.deepEqual([unknown.id, unknown.task, unknown.reasons.map((r) => r.code)], [unknownId, null, ["unknown"]]);

    const cliNoConsumer = await tq(schema, ["inspect", "why", noConsumer.id]);
    assert.equal(cliNoConsumer.code, 0, cliNoConsumer.output);
    assert.equal(
      cliNoConsumer.output.trim(),
      `no-consumer: No live worker consumes its queue "nobody" (live workers consume busy, limited). Start one with -Q nobody, or \`tq control add-consumer nobody\`.`,
    );
    const cliHeld = await tq(schema, ["inspect", "why", held[0].id]);
    assert.match(cliHeld.output, new RegExp(`^rate-limited: It is rate-limited: worker ${lit(throttled.id)} holds it until the rate limit of "limited" lets it start\\.$`, "m"));
    const cliUnknown = await tq(schema, ["inspect", "why", unknownId]);
    assert.equal(cliUnknown.code, 5, "an id with no trace is not found (docs/cli.md)");
    assert.match(cliUnknown.output, new RegExp(`^tq: No task ${unknownId} is known here`, "m"));
  } finally {
    release.open();
    for (const worker of workers) await worker.stop({ graceMs: 1_000 });
    await disposeApp(app);
  }
});

test("tq purge deletes waiting jobs after confirmation", async () => {
  const app = testApp("insp_purge");
  const schema = app.config.schema;
  try {
    await app.migrate();
    await app.sendMany("record", [["d1"], ["d2"]], { queue: "doomed" });
    await app.sendTask("record", ["d3"], { queue: "doomed", countdown: "1h" });
    await app.sendMany("record", [["k1"], ["k2"]], { queue: "kept" });

    const unconfirmed = await tq(schema, ["purge", "doomed"]);
    assert.equal(unconfirmed.code, 2, unconfirmed.output);
    assert.match(unconfirmed.output, /tq purge would delete 3 waiting job\(s\) of queue doomed; pass --yes to confirm when not at a terminal\./);
    assert.equal(await app.control.queued("doomed"), 3, "nothing was deleted");

    const confirmed = await tq(schema, ["purge", "doomed", "--yes"]);
    assert.equal(confirmed.code, 0, confirmed.output);
    assert.equal(confirmed.output.trim(), "Deleted 3 waiting job(s) of queue doomed; running ones finish.");
    assert.equal(await app.control.queued("doomed"), 0);
    assert.equal(await app.control.queued("kept"), 2, "other queues keep their jobs");

    const empty = await tq(schema, ["purge", "doomed"]);
    assert.equal(empty.code, 0, empty.output);
    assert.equal(empty.output.trim(), "Queue doomed has no waiting jobs.");
  } finally {
    await disposeApp(app);
  }
});
