/**
 * Telemetry events (docs/observability.md#telemetry-events): a worker
 * reports each claim, start and stored outcome, and its sweep's rescues; a
 * leading beat reports its ticks; a listener that throws is logged once and
 * never fails a job. Outcomes are checked against the database.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Beat, every, type Logger, type TaskContext, type TelemetryEvent, Worker } from "../mod.ts";
import { dbClient, disposeApp, eventually, testApp } from "./_helpers.ts";

function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, log: (level, message) => void lines.push(`${level} ${message}`) };
}

test("a worker reports each claim, start and stored outcome; a listener that throws is logged once and fails nothing", async () => {
  const app = testApp("telemetry_jobs");
  app.task("add", (a: number, b: number) => a + b);
  app.task({ name: "boom", maxRetries: 0 }, () => {
    throw new RangeError("no");
  });
  app.task({ name: "again", maxRetries: 1 }, function (this: TaskContext) {
    if (this.retries === 0) throw this.retry({ countdown: 0 });
    return "ok";
  });
  const events: TelemetryEvent[] = [];
  const logger = memoryLogger();
  let calls = 0;
  const worker = new Worker(app, {
    concurrency: 2,
    logger,
    telemetry: (event) => {
      events.push(event);
      if (++calls % 2 === 0) throw new Error("a listener bug");
    },
  });
  try {
    await worker.start();
    const [sum, boom, again] = [await app.sendTask("add", [2, 3]), await app.sendTask("boom"), await app.sendTask("again")];
    assert.equal(await sum.get({ timeout: 10_000 }), 5, "a throwing listener fails no job");
    assert.equal(await again.get({ timeout: 10_000 }), "ok");
    await eventually(async () => (await app.inspect.job(boom.id)).state === "FAILURE", 10_000, "the failure");
    await eventually(() => events.filter((e) => e.type === "job-ended").length === 4, 5_000, "four attempts ended");

    const ended = events.filter((e) => e.type === "job-ended").map((e) => `${e.task}:${e.attempt}:${e.outcome}`).sort();
    assert.deepEqual(ended, ["add:1:succeeded", "again:1:retried", "again:2:succeeded", "boom:1:failed"]);
    const started = events.filter((e) => e.type === "job-started").map((e) => `${e.task}:${e.attempt}`).sort();
    assert.deepEqual(started, ["add:1", "again:1", "again:2", "boom:1"]);
    const claimed = events.filter((e) => e.type === "job-claimed");
    assert.equal(claimed.length, 4);
    for (const event of claimed) {
      assert.equal(event.queue, "default");
      assert.ok(event.waitedMs >= 0 && event.waitedMs < 10_000, `waitedMs ${event.waitedMs}`);
    }
    for (const event of events) if (event.type === "job-ended" && event.outcome !== "failed") assert.ok(event.runMs > 0);
    assert.equal(logger.lines.filter((line) => line.includes("telemetry listener threw")).length, 1);
  } finally {
    await worker.stop();
    await disposeApp(app);
  }
});

test("the maintenance sweep reports the jobs it rescued from an expired lease, and a leading beat its ticks", async () => {
  const app = testApp("telemetry_sweep");
  app.task("tick", () => "tick");
  app.conf.beatSchedule = { ticking: { task: "tick", schedule: every("1s") } };
  await app.migrate();
  // A job whose worker died: running (as a claim leaves it), under a lease that ran out.
  const lost = await app.sendTask("tick", [], { queue: "nobody" });
  const sql = dbClient();
  await sql.unsafe(`update "${app.config.schema}".jobs set state = 'running', worker = 'gone:1:dead', attempt = 1, max_attempts = 3, acks_late = true, started_at = now(), lease_until = now() - interval '1 minute' where id = $1`, [lost.id]);
  await sql.end();
  const events: TelemetryEvent[] = [];
  const logger = memoryLogger();
  const worker = new Worker(app, { logger, telemetry: (event) => events.push(event) });
  const beat = new Beat(app, { telemetry: (event) => events.push(event) });
  try {
    await worker.start();
    await beat.start();
    await eventually(() => events.some((e) => e.type === "jobs-rescued"), 10_000, "the rescue").catch((error) => {
      throw new Error(`${error.message} The worker logged: ${logger.lines.join(" | ")}`);
    });
    assert.deepEqual(events.find((e) => e.type === "jobs-rescued"), { type: "jobs-rescued", requeued: 1, failed: 0, revoked: 0 });
    assert.equal((await app.inspect.job(lost.id)).job?.state, "queued", "the database agrees: it waits again");
    await eventually(() => events.some((e) => e.type === "beat-tick" && e.sent), 10_000, "a tick");
    assert.deepEqual(events.find((e) => e.type === "beat-tick" && e.sent), { type: "beat-tick", schedule: "ticking", sent: true });
  } finally {
    await beat.stop();
    await worker.stop();
    await disposeApp(app);
  }
});
