/**
 * Steering and watching a running system: broadcast commands (`tq control
 * ping|shutdown|add-consumer|cancel-consumer`, `tq inspect stats`) reach
 * real worker processes and their replies come back; a command stored while
 * a worker hears no notification still reaches it on a heartbeat (and an
 * expired one, or one for another worker, does not); time limits changed at
 * run time apply to the next jobs; task events carry Lamport clocks in causal
 * order and `tq events` tails them as they happen.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { App, currentTask, TaskFailed, TimeLimitExceeded, Worker } from "../mod.ts";
import type { BroadcastResult, StoredEvent } from "../mod.ts";
import { type CliProcess, DATABASE_URL, dbClient, disposeApp, dropSchema, eventually, producerApp, runCli, startWorker, testApp, uniqueSchema, EMBEDDED } from "./_helpers.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Ends every process still running (SIGKILL) and waits for each. */
async function stopAll(processes: CliProcess[]): Promise<void> {
  for (const p of processes) {
    if (p.running()) p.kill("SIGKILL");
    await p.exited;
  }
}

/** A process's exit code (or signal); fails instead of hanging if it has not exited within `timeoutMs`. */
async function exitOf(p: CliProcess, timeoutMs = 20_000): Promise<number | string> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Process ${p.pid} still running after ${timeoutMs} ms:\n${p.output()}`)), timeoutMs);
  });
  try {
    return await Promise.race([p.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Broadcasts end as soon as every live worker answered; this only bounds a slow (embedded) database. */
const BROADCAST_TIMEOUT = ["--timeout", "10s"];

/** Runs `tq ARGS...` on `schema` to the end: its exit code and output. */
async function tq(schema: string, args: string[]): Promise<{ code: number | string; output: string }> {
  const broadcast = args[0] === "control" || (args[0] === "inspect" && ["stats", "reserved", "ping"].includes(args[1]));
  const cli = runCli(broadcast ? [...args, ...BROADCAST_TIMEOUT] : args, { TQ_SCHEMA: schema });
  const code = await exitOf(cli);
  return { code, output: cli.output() };
}

/** The JSON objects a process printed, one a complete line (log lines, and a line still being written, are skipped). */
function jsonLines<T = Record<string, unknown>>(output: string): T[] {
  return output.split("\n").slice(0, -1).filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as T);
}

/** The one `--json` broadcast result a `tq control`/`tq inspect` run printed. */
function broadcastResult(output: string): BroadcastResult {
  const results = jsonLines<BroadcastResult>(output);
  assert.equal(results.length, 1, `one JSON result in:\n${output}`);
  return results[0];
}

/** The live workers' ids by process id. */
async function workerIds(app: App): Promise<Map<number, string>> {
  const workers = (await app.inspect.workers()).filter((w) => w.alive);
  return new Map(workers.map((w) => [w.pid, w.id]));
}

test("control commands reach two live worker processes and their replies come back", async () => {
  const schema = uniqueSchema("ctlping");
  const app = await producerApp(schema);
  const workers: CliProcess[] = [];
  try {
    workers.push(...await Promise.all([startWorker(schema), startWorker(schema)]));
    const ids = await workerIds(app);
    assert.equal(ids.size, 2, "two live workers registered");
    for (const worker of workers) assert.match(ids.get(worker.pid) ?? "", new RegExp(`^[^:]+:${worker.pid}:[0-9a-f]{8}$`), "a worker id names its process");
    const expected = workers.map((w) => ids.get(w.pid)!).sort();

    const ping = await tq(schema, ["control", "ping", "--json"]);
    assert.equal(ping.code, 0, ping.output);
    const pong = broadcastResult(ping.output);
    assert.deepEqual(pong.missing, []);
    assert.equal(pong.replies.length, 2, ping.output);
    assert.deepEqual(pong.replies.map((r) => r.worker).sort(), expected, "one reply per worker");
    for (const { reply } of pong.replies) assert.equal(reply.ok, "pong");

    const statsRun = await tq(schema, ["inspect", "stats", "--json"]);
    assert.equal(statsRun.code, 0, statsRun.output);
    const stats = broadcastResult(statsRun.output);
    assert.deepEqual(stats.missing, []);
    assert.equal(stats.replies.length, 2);
    assert.deepEqual(stats.replies.map((r) => r.reply.pid).sort(), workers.map((w) => w.pid).sort(), "each process answered for itself");
    for (const { worker, reply } of stats.replies) assert.equal(worker, ids.get(reply.pid as number), "a reply names the worker it came from");

    for (const worker of workers) worker.kill("SIGTERM");
    for (const worker of workers) assert.equal(await exitOf(worker), 0);
  } finally {
    await stopAll(workers);
    await app.close();
    await dropSchema(schema);
  }
});

test("shutdown stops exactly the named worker", async () => {
  const schema = uniqueSchema("ctlstop");
  const app = await producerApp(schema);
  const workers: CliProcess[] = [];
  try {
    const [first, second] = await Promise.all([startWorker(schema), startWorker(schema)]);
    workers.push(first, second);
    const ids = await workerIds(app);
    const firstId = ids.get(first.pid)!;
    const secondId = ids.get(second.pid)!;
    assert.ok(firstId && secondId && firstId !== secondId);

    const shutdown = await tq(schema, ["control", "shutdown", "--worker", firstId, "--json"]);
    assert.equal(shutdown.code, 0, shutdown.output);
    const result = broadcastResult(shutdown.output);
    assert.deepEqual(result.replies.map((r) => [r.worker, r.reply.ok]), [[firstId, "shutting down"]], "only the named worker answered");
    assert.equal(await exitOf(first), 0, "it stopped gracefully");
    assert.match(first.output(), /Shutdown requested by tq control/);
    assert.ok(second.running(), "the other worker keeps running");
    assert.doesNotMatch(second.output(), /Shutdown requested/);

    const ping = await tq(schema, ["control", "ping", "--json"]);
    assert.equal(ping.code, 0, ping.output);
    const pong = broadcastResult(ping.output);
    assert.deepEqual(pong.replies.map((r) => [r.worker, r.reply.ok]), [[secondId, "pong"]]);
    assert.deepEqual(pong.missing, []);
    assert.ok(second.running());

    second.kill("SIGTERM");
    assert.equal(await exitOf(second), 0);
  } finally {
    await stopAll(workers);
    await app.close();
    await dropSchema(schema);
  }
});

test("add-consumer and cancel-consumer change what a worker claims", async () => {
  const schema = uniqueSchema("ctlqueue");
  const app = await producerApp(schema);
  const sql = dbClient();
  const workers: CliProcess[] = [];
  try {
    const worker = await startWorker(schema);
    workers.push(worker);
    const queuesOfWorker = async () => (await app.inspect.workers()).find((w) => w.pid === worker.pid)?.queues ?? [];
    assert.deepEqual(await queuesOfWorker(), ["default"]);

    const add = await tq(schema, ["control", "add-consumer", "extra", "--json"]);
    assert.equal(add.code, 0, add.output);
    const added = broadcastResult(add.output);
    assert.equal(added.replies.length, 1);
    assert.equal(added.replies[0].reply.ok, "now consuming default, extra");
    const first = await app.sendTask<string>("record", ["on extra"], { queue: "extra" });
    assert.equal(await first.get({ timeout: 10_000 }), "on extra", "the worker took a job of the added queue");

    const cancel = await tq(schema, ["control", "cancel-consumer", "extra", "--json"]);
    assert.equal(cancel.code, 0, cancel.output);
    assert.equal(broadcastResult(cancel.output).replies[0].reply.ok, "now consuming default");
    const second = await app.sendTask("record", ["left alone"], { queue: "extra" });
    const onDefault = await app.sendTask<string>("record", ["on default"]);
    assert.equal(await onDefault.get({ timeout: 10_000 }), "on default", "the worker still consumes its own queue");
    await sleep(1_500);
    const rows = await sql.unsafe(`select state from "${schema}".jobs where id = $1`, [second.id]);
    assert.deepEqual(rows.map((r) => r.state), ["queued"], "a job of the cancelled queue is not claimed");
    const runs = await sql.unsafe(`select label from "${schema}".runs order by at`);
    assert.deepEqual(runs.map((r) => r.label), ["on extra", "on default"]);

    const bad = await tq(schema, ["control", "cancel-consumer", "nowhere", "--json"]);
    assert.equal(bad.code, 1, bad.output);
    const refused = broadcastResult(bad.output);
    assert.equal(refused.replies.length, 1);
    assert.equal(refused.replies[0].reply.ok, undefined);
    assert.match(String(refused.replies[0].reply.error), /not consuming "nowhere"/);

    worker.kill("SIGTERM");
    assert.equal(await exitOf(worker), 0);
  } finally {
    await stopAll(workers);
    await sql.end();
    await app.close();
    await dropSchema(schema);
  }
});

test("a command is not lost while a worker's notifications are down", async () => {
  const app = testApp("ctlheart", { heartbeat: 300, lease: 3_000, pollInterval: 100 });
  const schema = app.config.schema;
  const sql = dbClient();
  const worker = new Worker(app);
  try {
    await worker.start();
    /** Stores a command as control_send.sql does, but without its NOTIFY: only a heartbeat can bring it. */
    const store = async (command: string, target: string | null, expiresInSeconds: number): Promise<number> => {
      const [{ id }] = await sql.unsafe(
        `insert into "${schema}".control_commands (command, args, target, expires_at)
         values ($1, '{}'::jsonb, $2, now() + make_interval(secs => $3)) returning id::int as id`,
        [command, target, expiresInSeconds],
      );
      return id;
    };
    const repliesTo = async (id: number) => await sql.unsafe(`select worker, reply from "${schema}".control_replies where command_id = $1`, [id]);

    const ping = await store("ping", null, 30);
    const started = Date.now();
    await eventually(async () => (await repliesTo(ping)).length > 0, 3_000, "the reply, within a few 300 ms heartbeats");
    assert.deepEqual((await repliesTo(ping)).map((r) => [r.worker, r.reply]), [[worker.id, { ok: "pong" }]]);
    assert.ok(Date.now() - started < 3_000);

    const expired = await store("ping", null, -1);
    const elsewhere = await store("ping", "otherhost:1:deadbeef", 30);
    const mine = await store("stats", worker.id, 30);
    await eventually(async () => (await repliesTo(mine)).length > 0, 3_000, "the reply to the command targeted at this worker");
    const [{ reply }] = await repliesTo(mine);
    assert.equal(reply.pid, process.pid);
    await sleep(700);
    assert.equal((await repliesTo(expired)).length, 0, "an expired command is never answered");
    assert.equal((await repliesTo(elsewhere)).length, 0, "a command for another worker is not answered by this one");

    // A command that commits after a later one (ids are taken at insert, seen at commit) is still
    // answered. Not on the embedded database: its one session serialises transactions, so the
    // open one would block the ping sent inside it.
    if (EMBEDDED) return;
    const late = dbClient();
    try {
      const lateId = await late.begin(async (tx) => {
        const [{ id }] = await tx.unsafe(
          `insert into "${schema}".control_commands (command, args, expires_at) values ('ping', '{}', now() + interval '30 seconds') returning id::int as id`,
        );
        const { replies } = await app.inspect.ping({ timeoutMs: 3_000 });
        assert.equal(replies.length, 1, "a command sent after it was answered first");
        return id as number;
      });
      await eventually(async () => (await repliesTo(lateId)).length > 0, 3_000, "the reply to the command that committed late");
    } finally {
      await late.end();
    }
  } finally {
    await worker.stop({ graceMs: 1_000 });
    await sql.end();
    await disposeApp(app);
  }
});

test("time-limit set at run time applies to the next job", async () => {
  const app = testApp("ctltime", { heartbeat: 300, lease: 3_000, pollInterval: 100 });
  /** Waits `waitMs` or until its signal aborts; says which, and after how long. */
  const patient = app.task({ name: "patient", timeLimit: { soft: 700 } }, async (waitMs: number) => {
    const { signal } = currentTask();
    const started = performance.now();
    const reason = await new Promise<string>((resolve) => {
      const timer = setTimeout(() => resolve("none"), waitMs);
      signal.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve((signal.reason as Error)?.name ?? "unknown");
      }, { once: true });
    });
    return { reason, ms: Math.round(performance.now() - started) };
  });
  const run = async (waitMs: number) => await (await patient.delay(waitMs)).get({ timeout: 10_000 });
  const worker = new Worker(app, { concurrency: 1 });
  try {
    await worker.start();
    const byOption = await run(3_000);
    assert.equal(byOption.reason, "SoftTimeLimitExceeded", "the task's own soft limit of 700 ms");
    assert.ok(byOption.ms >= 650 && byOption.ms < 2_000, `stopped after ${byOption.ms} ms`);

    // Workers reload settings on a notification (the heartbeat is the fallback): the next jobs get the new limit.
    await app.control.timeLimit("patient", { soft: 150 });
    await eventually(async () => {
      const { reason, ms } = await run(3_000);
      return reason === "SoftTimeLimitExceeded" && ms < 500;
    }, 5_000, "the soft limit of 150 ms to apply");

    await app.control.timeLimit("patient", { hard: 200 });
    await eventually(async () => {
      const started = performance.now();
      try {
        await run(3_000);
        return false;
      } catch (error) {
        assert.ok(error instanceof TaskFailed, String(error));
        assert.equal(error.name, TimeLimitExceeded.name);
        assert.match(error.message, /hard time limit of 200 ms/);
        return performance.now() - started < 2_000;
      }
    }, 5_000, "the hard limit of 200 ms to apply");

    // No limit at all: set at run time, it overrides the option's soft limit too.
    await app.control.timeLimit("patient", { soft: null, hard: null });
    // Until the worker reloads (at once on a notification, or at its next heartbeat), a job may
    // still meet the hard limit: that counts as "not yet".
    await eventually(async () => (await run(1_000).catch(() => ({ reason: "still limited" }))).reason === "none", 8_000, "the limits to be lifted");

    // null: back to the task's option.
    await app.control.timeLimit("patient", null);
    await eventually(async () => {
      const { reason, ms } = await run(3_000);
      return reason === "SoftTimeLimitExceeded" && ms >= 650 && ms < 2_000;
    }, 8_000, "the option's soft limit of 700 ms to apply again");
  } finally {
    await worker.stop({ graceMs: 1_000 });
    await disposeApp(app);
  }
});

test("events arrive in order for one task", async () => {
  const schema = uniqueSchema("ctlevents");
  const app = new App({ databaseUrl: DATABASE_URL, schema, logLevel: "silent", pollInterval: 100, events: true });
  const processes: CliProcess[] = [];
  try {
    await app.migrate();
    const tail = runCli(["events", "--json"], { TQ_SCHEMA: schema });
    processes.push(tail);
    const worker = await startWorker(schema, ["-E"], { TQ_HEARTBEAT: "300" });
    processes.push(worker);
    // The worker sends worker-heartbeat every 300 ms: once one is shown, `tq events` is tailing.
    await tail.waitFor(/"type":"worker-heartbeat"/, 20_000);

    // A producer whose clock is far ahead of the worker's (it has seen much): the worker's clock must move past it.
    app.clock.adjust(1_000_000);
    const result = await app.sendTask<number>("add", [2, 3]);
    assert.equal(await result.get({ timeout: 10_000 }), 5);
    const order = ["task-sent", "task-received", "task-started", "task-succeeded"];

    // The events table: each of the four once, with Lamport clocks in causal order.
    let events: StoredEvent[] = [];
    await eventually(async () => {
      events = await app.transport.eventList(0, 100, result.id);
      return events.length >= 4;
    }, 10_000, "the task's four events to be stored");
    await sleep(300);
    events = await app.transport.eventList(0, 100, result.id);
    assert.deepEqual(events.map((e) => e.type).sort(), [...order].sort(), "each event once");
    const byType = new Map(events.map((e) => [e.type, e]));
    const clocks = order.map((type) => byType.get(type)!.clock);
    assert.equal(clocks[0], 1_000_002, "task-sent carries the message's clock");
    for (let i = 1; i < clocks.length; i++) {
      assert.ok(clocks[i] > clocks[i - 1], `${order[i]} (clock ${clocks[i]}) comes after ${order[i - 1]} (clock ${clocks[i - 1]})`);
    }
    const workerId = (await workerIds(app)).get(worker.pid)!;
    assert.ok(workerId);
    assert.equal(byType.get("task-sent")!.worker, undefined, "task-sent comes from the producer");
    for (const type of order.slice(1)) assert.equal(byType.get(type)!.worker, workerId, `${type} comes from the worker`);
    for (const event of events) assert.equal(event.task, "add");
    assert.equal(byType.get("task-succeeded")!.data?.attempt, 1);

    const online = (await app.transport.eventList(0, 1_000)).filter((e) => e.type === "worker-online");
    assert.equal(online.length, 1);
    assert.equal(online[0].worker, workerId);
    assert.equal(online[0].data?.pid, worker.pid);

    // `tq events --json` printed the four as they happened.
    await eventually(() => jsonLines<StoredEvent>(tail.output()).filter((e) => e.taskId === result.id).length >= 4, 10_000, "tq events to print the task's events");
    tail.kill("SIGTERM");
    assert.equal(await exitOf(tail), 0, tail.output());
    const tailed = jsonLines<StoredEvent>(tail.output()).filter((e) => e.taskId === result.id);
    assert.deepEqual(tailed.map((e) => e.type).sort(), [...order].sort(), "each of the task's events printed once");
    assert.deepEqual(tailed.filter((e) => e.type !== "task-sent").map((e) => e.type), order.slice(1), "the worker's events printed in the order they happened");
    assert.deepEqual(tailed.map((e) => [e.type, e.clock]).sort(), events.map((e) => [e.type, e.clock]).sort(), "as stored");

    worker.kill("SIGTERM");
    assert.equal(await exitOf(worker), 0);
    await eventually(async () => (await app.transport.eventList(0, 1_000)).some((e) => e.type === "worker-offline" && e.worker === workerId), 5_000, "worker-offline");
  } finally {
    await stopAll(processes);
    await app.close();
    await dropSchema(schema);
  }
});
