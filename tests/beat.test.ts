/**
 * Beat against the real database, in process: a tick is sent once even when
 * two leaders fire it at the same moment; schedules added, disabled and
 * removed at run time are picked up without a restart; code schedules are
 * synced; the missed-tick policy decides what a gap sends.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { App, Beat, ConfigError, every } from "../mod.ts";
import type { App as AppType } from "../mod.ts";
import { dbClient, DATABASE_URL, disposeApp, eventually, testApp, needsServer } from "./_helpers.ts";

/** Jobs sent by schedule `name`, from the tick records and the queue. */
async function ticksOf(app: AppType, name: string): Promise<{ fire_at: Date; job_id: string }[]> {
  const sql = dbClient();
  try {
    return await sql.unsafe(`select fire_at, job_id::text from "${app.config.schema}".beat_ticks where schedule = $1 order by fire_at`, [name]);
  } finally {
    await sql.end();
  }
}

async function jobCount(app: AppType, task: string): Promise<number> {
  const sql = dbClient();
  try {
    const [{ n }] = await sql.unsafe(`select count(*)::int as n from "${app.config.schema}".jobs where message->>'task' = $1`, [task]);
    return n;
  } finally {
    await sql.end();
  }
}

test("two leaders firing the same tick at once send it once", async () => {
  const app = testApp("beat_race");
  // A second app on the same schema: its own pool, as another beat process would have.
  const other = new App({ databaseUrl: DATABASE_URL, schema: app.config.schema, logLevel: "silent" });
  try {
    await app.schedules.add("nightly", { task: "report", schedule: every("1h"), args: [1] });
    const fireAt = new Date("2026-06-01T03:00:00Z");
    const message = (id: string) =>
      JSON.stringify({
        v: 1, id, task: "report", args: [1], kwargs: {}, queue: "default", priority: 5, retries: 0, maxRetries: 3,
        rootId: id, origin: { host: "h", pid: 1 }, clock: 1, sentAt: new Date().toISOString(),
      });
    for (let round = 0; round < 10; round++) {
      const tick = new Date(fireAt.getTime() + round * 3_600_000);
      const outcomes = await Promise.all([
        app.transport.beatFire("nightly", tick, message(crypto.randomUUID()), {}),
        other.transport.beatFire("nightly", tick, message(crypto.randomUUID()), {}),
        app.transport.beatFire("nightly", tick, message(crypto.randomUUID()), {}),
      ]);
      assert.equal(outcomes.filter((id) => id !== null).length, 1, `round ${round}: exactly one fire sent a job`);
    }
    assert.equal(await jobCount(app, "report"), 10, "one job per tick");
    const ticks = await ticksOf(app, "nightly");
    assert.equal(ticks.length, 10);
    const [record] = (await app.schedules.list()).filter((s) => s.name === "nightly");
    assert.equal(record.lastSentAt?.toISOString(), "2026-06-01T12:00:00.000Z", "the schedule remembers its latest tick");
  } finally {
    await other.close();
    await disposeApp(app);
  }
});

test("a running beat picks up schedules added, disabled, enabled and removed at run time", async () => {
  const app = testApp("beat_dynamic");
  const beat = new Beat(app, { checkIntervalMs: 200 });
  try {
    await beat.start();
    assert.equal(beat.isLeader, true);
    await app.schedules.add("ping", { task: "ping", schedule: every("1s") });
    await eventually(async () => (await jobCount(app, "ping")) >= 2, 10_000, "ping to be sent twice");

    assert.equal(await app.schedules.disable("ping"), true);
    await new Promise((r) => setTimeout(r, 300)); // a tick in flight may still land
    const whileDisabled = await jobCount(app, "ping");
    await new Promise((r) => setTimeout(r, 2_200));
    assert.equal(await jobCount(app, "ping"), whileDisabled, "nothing is sent while disabled");

    assert.equal(await app.schedules.enable("ping"), true);
    await eventually(async () => (await jobCount(app, "ping")) > whileDisabled, 10_000, "ping to resume");
    const ticks = await ticksOf(app, "ping");
    const gaps = ticks.slice(1).map((t, i) => t.fire_at.getTime() - ticks[i].fire_at.getTime());
    assert.ok(gaps.some((g) => g >= 2_000), "the paused ticks were not caught up on enable");

    assert.equal(await app.schedules.remove("ping"), true);
    await new Promise((r) => setTimeout(r, 300));
    const afterRemove = await jobCount(app, "ping");
    await new Promise((r) => setTimeout(r, 2_200));
    assert.equal(await jobCount(app, "ping"), afterRemove, "a removed schedule sends nothing more");
    assert.equal(await app.schedules.remove("ping"), false);

    await assert.rejects(app.schedules.add("bad", { task: "x", schedule: every("1s"), options: { priority: 99 } }), ConfigError);
  } finally {
    await beat.stop();
    await disposeApp(app);
  }
});

test("code schedules are written by the leader: changed, kept disabled, and deleted when gone from the code", async () => {
  const app = testApp("beat_code");
  try {
    app.conf.beatSchedule = {
      report: { task: "report", schedule: every("1h"), args: ["daily"] },
      cleanup: { task: "cleanup", schedule: every("1h") },
    };
    let beat = new Beat(app, { checkIntervalMs: 200 });
    await beat.start();
    await beat.stop();
    let list = await app.schedules.list();
    assert.deepEqual(list.map((s) => [s.name, s.source]), [["cleanup", "code"], ["report", "code"]]);
    await assert.rejects(app.schedules.remove("report"), /defined in code/);
    await assert.rejects(app.schedules.add("report", { task: "other", schedule: every("1m") }), /defined in code/);
    await app.schedules.disable("cleanup");

    app.conf.beatSchedule = { report: { task: "report", schedule: every("2h"), args: ["weekly"] } };
    beat = new Beat(app, { checkIntervalMs: 200 });
    await beat.start();
    await beat.stop();
    list = await app.schedules.list();
    assert.deepEqual(list.map((s) => s.name), ["report"], "cleanup left the code, so it left the database");
    assert.deepEqual(list[0].args, ["weekly"]);
    assert.equal(list[0].description, "every 2h");

    app.conf.beatSchedule = { report: { task: "report", schedule: every("2h"), args: ["weekly"] } };
    await app.schedules.disable("report");
    beat = new Beat(app, { checkIntervalMs: 200 });
    await beat.start();
    await beat.stop();
    assert.equal((await app.schedules.list())[0].enabled, false, "a disabled code schedule stays disabled across a restart");

    app.conf.beatSchedule = { broken: { task: "report", schedule: "0 * * * *" as never } };
    await assert.rejects(new Beat(app).start(), /must be made with cron/);
  } finally {
    await disposeApp(app);
  }
});

test("after a gap, the missed-tick policy decides: skip sends none of it, once one run, all each tick", async () => {
  const app = testApp("beat_missed");
  const lines: string[] = [];
  const logger = { log: (level: string, message: string) => void lines.push(`${level} ${message}`) };
  try {
    // Every 10 s, so no tick falls due on its own during the test.
    for (const policy of ["skip", "once", "all"] as const) {
      await app.schedules.add(policy, { task: `t_${policy}`, schedule: every("10s"), missed: policy });
    }
    // Each schedule owes the ticks of the last 60-69 s: 6 of them, all older than the grace.
    const sql = dbClient();
    await sql.unsafe(
      `update "${app.config.schema}".schedules
       set last_fire_at = to_timestamp(floor(extract(epoch from now()) / 10) * 10 - 60 + 0.5)`,
    );
    const [{ seconds }] = await sql.unsafe(`select mod(extract(epoch from now()), 10)::float8 as seconds`);
    await sql.end();
    if (seconds > 8.5) await new Promise((r) => setTimeout(r, 2_000)); // keep clear of a tick boundary

    const beat = new Beat(app, { logger, checkIntervalMs: 200 });
    await beat.start();
    await beat.stop();
    const skipJobs = await jobCount(app, "t_skip");
    assert.ok(skipJobs <= 1, `skip sends no missed tick (${skipJobs} sent: at most one on time)`);
    const onceTicks = await ticksOf(app, "once");
    assert.equal(onceTicks.length, 1, "once sends one run for the whole gap");
    const allTicks = await ticksOf(app, "all");
    assert.ok(allTicks.length >= 6, `all sends each missed tick (${allTicks.length})`);
    const spacing = allTicks.slice(1).map((t, i) => t.fire_at.getTime() - allTicks[i].fire_at.getTime());
    assert.ok(spacing.every((ms) => ms === 10_000), "one job per tick, none twice, none left out");
    assert.equal(onceTicks[0].fire_at.getTime(), allTicks.at(-1)!.fire_at.getTime(), "once sends the latest due tick");
    assert.ok(lines.some((l) => /warn beat: schedule "skip" missed \d+ tick\(s\); policy skip: not sent/.test(l)), lines.join("\n"));
    assert.ok(lines.some((l) => /schedule "once" missed \d+ tick\(s\); policy once: one run sent/.test(l)));
    assert.ok(lines.some((l) => /schedule "all" missed \d+ tick\(s\); policy all: each sent/.test(l)));

    // The gap is settled: a second beat owes nothing.
    const again = new Beat(app, { logger, checkIntervalMs: 200 });
    await again.start();
    await again.stop();
    assert.equal((await ticksOf(app, "all")).length, allTicks.length, "no tick is sent twice");
  } finally {
    await disposeApp(app);
  }
});

test("only one of several beats leads, and stopping the leader hands over at once", async () => {
  const app = testApp("beat_lead");
  const apps = [app, ...[1, 2].map(() => new App({ databaseUrl: DATABASE_URL, schema: app.config.schema, logLevel: "silent" }))];
  const beats = apps.map((a) => new Beat(a, { checkIntervalMs: 100 }));
  try {
    for (const beat of beats) await beat.start();
    assert.deepEqual(beats.map((b) => b.isLeader), [true, false, false]);
    await beats[0].stop();
    await eventually(() => beats.filter((b) => b.isLeader).length === 1, 5_000, "a standby to lead");
    assert.equal(beats[0].isLeader, false);
  } finally {
    for (const beat of beats) await beat.stop();
    for (const a of apps.slice(1)) await a.close();
    await disposeApp(app);
  }
});

test("a leader whose connection is killed loses the lead or wins it back: never two leaders, no tick twice", needsServer("killing a backend"), async () => {
  const app = testApp("beat_conn");
  const other = new App({ name: `${app.name}_other`, databaseUrl: DATABASE_URL, schema: app.config.schema, logLevel: "silent" });
  const beats = [new Beat(app, { checkIntervalMs: 100 }), new Beat(other, { checkIntervalMs: 100 })];
  const sql = dbClient();
  // Leadership is a row with a lease (docs/beat.md): at most one live holder.
  const lockHolders = async () =>
    (await sql.unsafe(`select count(*)::int as n from "${app.config.schema}".beat_leader where lease_until > now()`))[0].n;
  try {
    await app.schedules.add("tick", { task: "tick", schedule: every("1s"), missed: "all" });
    for (const beat of beats) await beat.start();
    const leaderApp = beats[0].isLeader ? app : other;
    assert.equal(await lockHolders(), 1);
    await sleepMs(1_500);
    const killed = await sql.unsafe(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1`, [`tq:${leaderApp.name}:beat`]);
    assert.equal(killed.length, 1, "the leader's lock connection was killed");
    await eventually(async () => (await lockHolders()) === 1 && beats.filter((b) => b.isLeader).length === 1, 5_000, "one leader again");
    await sleepMs(2_500);
    assert.equal(beats.filter((b) => b.isLeader).length, 1);
    for (const beat of beats) await beat.stop();
    const ticks = await ticksOf(app, "tick");
    assert.ok(ticks.length >= 3, `ticks were sent (${ticks.length})`);
    for (let i = 1; i < ticks.length; i++) assert.equal(ticks[i].fire_at.getTime() - ticks[i - 1].fire_at.getTime(), 1_000, "each second once");
    assert.equal(await jobCount(app, "tick"), ticks.length);
  } finally {
    for (const beat of beats) await beat.stop();
    await sql.end();
    await other.close();
    await disposeApp(app);
  }
});

const sleepMs = (ms: number) => new Promise((r) => setTimeout(r, ms));
