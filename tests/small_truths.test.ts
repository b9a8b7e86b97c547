/**
 * Small promises kept: a send in the caller's transaction writes its
 * task-sent event in that transaction too (a rollback leaves neither job nor
 * event); a one-shot at() schedule leaves the schedule list once it fired
 * (or was skipped), and a leader syncing the code does not write it back.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { at, Beat, every } from "../mod.ts";
import type { App } from "../mod.ts";
import { dbClient, disposeApp, eventually, testApp } from "./_helpers.ts";

async function count(app: App, sqlText: string, params: string[] = []): Promise<number> {
  const sql = dbClient();
  try {
    const [{ n }] = await sql.unsafe(sqlText.replaceAll("$schema", `"${app.config.schema}"`), params);
    return n;
  } finally {
    await sql.end();
  }
}

const jobsOf = (app: App, task: string) => count(app, `select count(*)::int as n from $schema.jobs where message->>'task' = $1`, [task]);
const sentEventsOf = (app: App, id: string) =>
  count(app, `select count(*)::int as n from $schema.events where type = 'task-sent' and task_id = $1::uuid`, [id]);

test("a send in the caller's transaction writes its task-sent event in it: rollback leaves neither job nor event, commit both at once", async () => {
  const app = testApp("sent_tx", { events: true });
  const sql = dbClient();
  try {
    await app.migrate();
    let rolledBackId = "";
    await assert.rejects(
      sql.begin(async (tx) => {
        const result = await app.sendTask("report", [1], { sql: tx });
        rolledBackId = result.id;
        assert.equal(await tx.unsafe(`select 1 from "${app.config.schema}".events where task_id = $1::uuid`, [result.id], { prepare: true }).then((r) => r.length), 1, "written in the transaction");
        throw new Error("business change failed");
      }),
      /business change failed/,
    );
    // Long enough for any batched write to have landed.
    await new Promise((r) => setTimeout(r, 500));
    await app.events.drain(1_000);
    assert.equal(await jobsOf(app, "report"), 0, "no job");
    assert.equal(await sentEventsOf(app, rolledBackId), 0, "no task-sent event");

    let committedId = "";
    await sql.begin(async (tx) => {
      committedId = (await app.sendTask("report", [2], { sql: tx })).id;
    });
    // Right after the commit, with no batch to wait for.
    assert.equal(await jobsOf(app, "report"), 1);
    assert.equal(await sentEventsOf(app, committedId), 1, "the event committed with the job");
    const [event] = await app.transport.eventList(0, 10, committedId);
    assert.equal(event.task, "report");
    assert.deepEqual(event.data, { queue: "default", args: [2] });

    // Outside a transaction the event is still sent (batched, as before).
    const plain = await app.sendTask("report", [3]);
    await eventually(async () => (await sentEventsOf(app, plain.id)) === 1, 5_000, "the batched task-sent event");
  } finally {
    await sql.end();
    await disposeApp(app);
  }
});

test("a fired at() schedule leaves the schedule list, its job sent once; a leader syncing the code does not write it back", async () => {
  const app = testApp("at_leaves");
  try {
    const { now } = await app.transport.scheduleList();
    const soon = new Date(now.getTime() + 1_500);
    app.conf.beatSchedule = {
      launch: { task: "launch", schedule: at(soon) },
      ping: { task: "ping", schedule: every("1h") },
    };
    await app.schedules.add("later", { task: "later", schedule: at(new Date(now.getTime() + 1_000)) });
    let beat = new Beat(app, { checkIntervalMs: 100 });
    await beat.start();
    const names = async () => (await app.schedules.list()).map((s) => s.name).sort();
    assert.deepEqual(await names(), ["later", "launch", "ping"], "listed before they fire");
    await eventually(async () => (await jobsOf(app, "launch")) === 1 && (await jobsOf(app, "later")) === 1, 10_000, "both to fire");
    await eventually(async () => (await names()).join() === "ping", 2_000, "the fired ones to leave the list");
    await beat.stop();

    // A new leader writes the code's schedules again: not the fired one.
    beat = new Beat(app, { checkIntervalMs: 100 });
    await beat.start();
    await new Promise((r) => setTimeout(r, 300));
    await beat.stop();
    assert.deepEqual(await names(), ["ping"]);
    assert.equal(await jobsOf(app, "launch"), 1, "sent once");
    assert.equal(await jobsOf(app, "later"), 1, "sent once");
  } finally {
    await disposeApp(app);
  }
});

test("an at() schedule whose time passed while no beat ran, with missed: skip, is skipped and leaves the list too", async () => {
  const app = testApp("at_skip");
  const lines: string[] = [];
  const logger = { log: (level: string, message: string) => void lines.push(`${level} ${message}`) };
  try {
    const { now } = await app.transport.scheduleList();
    await app.schedules.add("missed", { task: "missed", schedule: at(new Date(now.getTime() + 60_000)), missed: "skip" });
    // As if beat had been down when its time came: the time 30 s ago, the schedule older.
    const sql = dbClient();
    await sql.unsafe(
      `update "${app.config.schema}".schedules
       set spec = to_char((now() - interval '30 seconds') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
           last_fire_at = now() - interval '1 minute'
       where name = 'missed'`,
    );
    await sql.end();
    const beat = new Beat(app, { logger, checkIntervalMs: 100 });
    await beat.start();
    await beat.stop();
    assert.deepEqual((await app.schedules.list()).map((s) => s.name), [], "finished, so no longer listed");
    assert.equal(await jobsOf(app, "missed"), 0, "not sent: its policy is skip");
    assert.ok(lines.some((l) => /warn beat: schedule "missed" missed 1 tick\(s\); policy skip: not sent/.test(l)), lines.join("\n"));
  } finally {
    await disposeApp(app);
  }
});
