/**
 * Flow control across worker processes (docs/flow_control.md): cluster-wide
 * concurrency limits per task and per queue, and pausing a queue or a task.
 * Three real worker processes share each limit; what ran, and how many at
 * once, is read from the database (the runs table the fixture tasks write,
 * and samples of the jobs table), never from a worker's memory.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { type App, Worker } from "../mod.ts";
import { scriptCommand } from "../core/runtime.ts";
import { type CliProcess, CLI, dropSchema, eventually, execToEnd, producerApp, uniqueSchema } from "./_helpers.ts";
import { ended, flowWorker, mostAtOnce, sampleHeld, withWorkers } from "./_flow.ts";

test("a task's concurrencyLimit holds across 3 workers, other tasks of its queue keep moving, and a killed worker's places come back", async () => {
  await withWorkers("flow_limit", "flow", 10, async ({ schema, app, sql, workers }) => {
    const held = sampleHeld(sql, schema, "task", "limited");
    await app.sendMany("limited", Array.from({ length: 30 }, () => [150]), { queue: "flow" });
    await app.sendMany("quick", Array.from({ length: 100 }, () => [5]), { queue: "flow" });

    await eventually(async () => (await ended(sql, schema, "quick")) === 100, 30_000, "the quick jobs");
    const limitedWhenQuickDone = await ended(sql, schema, "limited");
    assert.ok(limitedWhenQuickDone <= 15, `the 100 jobs of the unlimited task finished while the limited one had done ${limitedWhenQuickDone} of 30`);
    await eventually(async () => (await ended(sql, schema, "limited")) === 30, 60_000, "the limited jobs");
    assert.ok(await held.stop() <= 3, "never more than 3 limited jobs held at once");
    assert.equal(await mostAtOnce(sql, schema, "limited"), 3, "3 ran at once, and never more");

    // A worker killed while it holds places: they come back when its lease runs out.
    const again = sampleHeld(sql, schema, "task", "limited");
    const sent = await app.sendMany("limited", Array.from({ length: 6 }, () => [1_500]), { queue: "flow" });
    let victim: CliProcess | undefined;
    await eventually(async () => {
      const rows = await sql.unsafe(`select distinct pid from "${schema}".runs where label = 'start' and job_id = any($1::uuid[])`, [sent.map((r) => r.id)]);
      victim = workers.find((w) => rows.some((r) => r.pid === w.pid));
      return victim !== undefined;
    }, 20_000, "a worker running a limited job");
    victim!.kill("SIGKILL");
    await victim!.exited;
    await eventually(async () => (await ended(sql, schema, "limited")) === 36, 30_000, "the limited jobs after the kill");
    assert.ok(await again.stop() <= 3, "never more than 3 held, the dead worker's included");
  });
});

test("a queue's concurrency limit (queueConcurrencyLimits) holds across 3 workers", async () => {
  await withWorkers("flow_queue", "narrow", 10, async ({ schema, app, sql }) => {
    const held = sampleHeld(sql, schema, "queue", "narrow");
    const slow = await app.sendMany("narrow", Array.from({ length: 6 }, () => [800]), { queue: "narrow" });
    await app.sendMany("narrow", Array.from({ length: 10 }, () => [100]), { queue: "narrow" });
    const last = slow[5];
    await eventually(async () => {
      const [{ n }] = await sql.unsafe(`select count(*)::int as n from "${schema}".jobs where state = 'running'`);
      return n === 2;
    }, 20_000, "the limit reached");

    // Explained while the limit is full.
    const why = await app.why(last.id);
    assert.ok(why.reasons.some((r) => r.code === "concurrency-limit" && /queue "narrow" is at its concurrency limit: 2 of 2/.test(r.message)), JSON.stringify(why));
    const [queue] = (await app.inspect.queues()).filter((q) => q.queue === "narrow");
    assert.deepEqual([queue.concurrencyLimit, queue.limitUsed], [2, 2]);

    await eventually(async () => (await ended(sql, schema, "narrow")) === 16, 30_000, "the narrow jobs");
    assert.ok(await held.stop() <= 2, "never more than 2 held at once");
    assert.equal(await mostAtOnce(sql, schema, "narrow"), 2);
  });
});

test("tq control pause stops new starts within a second, holds across a worker restart, shows in inspect; resume starts them again", async () => {
  await withWorkers("flow_pause", "pausable", 4, async ({ schema, app, sql, workers }) => {
    const tq = (...args: string[]) => execToEnd([...scriptCommand(CLI), ...args], { TQ_SCHEMA: schema });
    // Enough work (600 × 100 ms on 12 slots: 5 s) that a loaded machine still pauses it halfway.
    const total = 600;
    await app.sendMany("pausable", Array.from({ length: total }, () => [100]), { queue: "pausable" });
    await eventually(async () => (await ended(sql, schema, "pausable")) >= 10, 20_000, "the first jobs");

    const paused = await tq("control", "pause", "pausable");
    assert.equal(paused.code, 0, paused.stderr);
    assert.match(paused.stdout, /Queue pausable paused/);
    const [{ at }] = await sql.unsafe(`select now() as at`);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const startsAfter = async () => {
      const [{ n }] = await sql.unsafe(`select count(*)::int as n from "${schema}".runs where label = 'start' and at > $1::timestamptz + interval '1 second'`, [at]);
      return n as number;
    };
    assert.equal(await startsAfter(), 0, "no job started more than a second after the pause");
    const [{ held }] = await sql.unsafe(`select count(*)::int as held from "${schema}".jobs where state = 'running'`);
    assert.equal(held, 0, "running ones finished and claimed ones went back");
    const left = total - await ended(sql, schema, "pausable");
    assert.ok(left > 0);

    const queues = await tq("inspect", "queues", "--json");
    const row = JSON.parse(queues.stdout).find((q: { queue: string }) => q.queue === "pausable");
    assert.equal(row.paused, true);
    assert.equal(row.queued, left);

    // A restarted worker reads the pause from the database.
    workers[0].kill("SIGTERM");
    await workers[0].exited;
    workers[0] = await flowWorker(schema, "pausable", 4);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal(await startsAfter(), 0, "the new worker started none");

    assert.equal(await app.control.resume({ queue: "pausable" }), true, "it was paused");
    await eventually(async () => (await ended(sql, schema, "pausable")) === total, 60_000, "every job after the resume");
    const [{ attempts }] = await sql.unsafe(`select max(attempts)::int as attempts from "${schema}".results`);
    assert.equal(attempts, 1, "jobs handed back at the pause were not charged an attempt");
  });
});

test("pausing a task holds its jobs in any queue while other tasks run; app.control lists and resumes it", async () => {
  const schema = uniqueSchema("flow_pause_task");
  const app: App = await producerApp(schema);
  app.task("held", (n: number) => n);
  app.task("free", (n: number) => n);
  const worker = new Worker(app, { concurrency: 4 });
  try {
    assert.equal(await app.control.pause({ task: "held" }), false);
    assert.deepEqual((await app.control.paused()).map((p) => [p.kind, p.name]), [["task", "held"]]);
    const held = await app.sendTask("held", [1]);
    const free = await app.sendTask("free", [2]);
    await worker.start();
    assert.equal(await free.get({ timeout: 10_000 }), 2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal((await held.record()).state, "PENDING", "the paused task's job waits");
    const why = await app.why(held.id);
    assert.ok(why.reasons.some((r) => r.code === "paused" && /task "held" is paused/.test(r.message)), JSON.stringify(why));

    assert.equal(await app.control.resume({ task: "held" }), true);
    assert.equal(await held.get({ timeout: 10_000 }), 1);
    assert.deepEqual(await app.control.paused(), []);
    await assert.rejects(app.control.pause({} as never), /takes \{ queue: "name" \} or \{ task: "name" \}/);
  } finally {
    await worker.stop();
    await app.close();
    await dropSchema(schema);
  }
});

test("tq control pause, resume and paused: usage errors exit 2 and say what to pass; --json prints the outcome", async () => {
  const schema = uniqueSchema("flow_cli");
  const app = await producerApp(schema);
  const tq = (...args: string[]) => execToEnd([...scriptCommand(CLI), ...args], { TQ_SCHEMA: schema });
  try {
    for (const args of [["control", "pause"], ["control", "resume", "emails", "--task", "held"]]) {
      const refused = await tq(...args);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /needs a queue or --task, not both: tq control (pause|resume) QUEUE, or tq control (pause|resume) --task TASK/);
    }
    const paused = await tq("control", "pause", "--task", "held", "--json");
    assert.equal(paused.code, 0, paused.stderr);
    assert.deepEqual(JSON.parse(paused.stdout), { task: "held", paused: true, wasPaused: false });
    const listed = await tq("control", "paused", "--json");
    assert.deepEqual(JSON.parse(listed.stdout).map((p: { kind: string; name: string }) => [p.kind, p.name]), [["task", "held"]]);
    const resumed = await tq("control", "resume", "--task", "held");
    assert.match(resumed.stdout, /Task held resumed/);
    const again = await tq("control", "resume", "--task", "held");
    assert.match(again.stdout, /Task held was not paused; nothing changed/);
    assert.match((await tq("control", "paused")).stdout, /Nothing is paused/);
  } finally {
    await app.close();
    await dropSchema(schema);
  }
});
