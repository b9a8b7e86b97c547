/**
 * Beat leadership, on a PostgreSQL server and on the embedded database
 * alike: one of several beats leads (a leader row with a lease, not a
 * session lock that the embedded database's one shared session would give
 * to everyone); stopping the leader hands over at once, and stopping a
 * standby changes nothing; a leader that dies or hangs is replaced (at once
 * on a server when its session ends, after the lease otherwise) with no tick
 * sent twice.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { App, Beat, every } from "../mod.ts";
import { renderSql } from "../transports/postgres/_render.ts";
import {
  type CliProcess,
  DATABASE_URL,
  dbClient,
  disposeApp,
  dropSchema,
  EMBEDDED,
  eventually,
  needsServer,
  producerApp,
  runCli,
  testApp,
  uniqueSchema,
} from "./_helpers.ts";

const BEAT_TASKS = fileURLToPath(new URL("./fixtures/beat_tasks.ts", import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Another app on `schema`, with its own connections, as another beat process would have. */
function sibling(schema: string, name: string): App {
  return new App({ name, databaseUrl: DATABASE_URL, schema, logLevel: "silent" });
}

/** The leader row as stored, or undefined. */
async function leaderRow(schema: string): Promise<{ holder: string; live: boolean } | undefined> {
  const sql = dbClient();
  try {
    const [row] = await sql.unsafe(`select holder, lease_until > now() as live from "${schema}".beat_leader`);
    return row ? { holder: row.holder, live: row.live } : undefined;
  } finally {
    await sql.end();
  }
}

test("one of three beats leads, stopping a standby changes nothing, stopping the leader hands over at once", async () => {
  const app = testApp("lead3");
  const apps = [app, sibling(app.config.schema, "lead3_b"), sibling(app.config.schema, "lead3_c")];
  const beats = apps.map((a) => new Beat(a, { checkIntervalMs: 100 }));
  try {
    for (const beat of beats) await beat.start();
    assert.deepEqual(beats.map((b) => b.isLeader), [true, false, false], "the first to ask leads, the others stand by");
    await sleep(500);
    assert.deepEqual(beats.map((b) => b.isLeader), [true, false, false], "and it stays so while the leader renews its lease");
    const held = await leaderRow(app.config.schema);
    assert.equal(held?.live, true);

    await beats[2].stop();
    await sleep(300);
    assert.deepEqual(beats.map((b) => b.isLeader), [true, false, false], "a standby's stop leaves the lead where it is");
    assert.equal((await leaderRow(app.config.schema))?.holder, held?.holder, "and the leader row untouched");

    const stoppedAt = Date.now();
    await beats[0].stop();
    await eventually(() => beats[1].isLeader, 5_000, "the standby to lead");
    const handoverMs = Date.now() - stoppedAt;
    assert.ok(handoverMs < 2_000, `a stopped leader is replaced within a check or two, not a lease (${handoverMs} ms)`);
    assert.equal(beats[0].isLeader, false);
  } finally {
    for (const beat of beats) await beat.stop();
    for (const a of apps.slice(1)) await a.close();
    await disposeApp(app);
  }
});

test("stepping down is a statement that only the holder's row obeys: no warning, the leader's row stays", async () => {
  const app = testApp("release");
  const beat = new Beat(app, { checkIntervalMs: 100 });
  const notices: string[] = [];
  const stranger = postgres(DATABASE_URL, { max: 1, onnotice: (notice) => void notices.push(notice.message) });
  try {
    await beat.start();
    assert.equal(beat.isLeader, true);
    const { beatLeaderRelease } = renderSql(app.config.schema).queries;
    // What a standby's stop would run, were it to run anything: the old code
    // unlocked an advisory lock it did not hold here, and PostgreSQL warned.
    const released = await stranger.unsafe(beatLeaderRelease, [crypto.randomUUID()], { prepare: true });
    assert.equal(released.length, 0, "nothing released");
    assert.deepEqual(notices, [], "no notice or warning from the server");
    await sleep(300);
    assert.equal(beat.isLeader, true);
    assert.equal((await leaderRow(app.config.schema))?.live, true);
  } finally {
    await stranger.end();
    await beat.stop();
    await disposeApp(app);
  }
  assert.deepEqual(notices, []);
});

test("a leader whose connection is killed loses the lead or wins it back: one leader, no tick twice", needsServer("killing a backend"), async () => {
  // A short lease: a leader cut off believes it leads until its lease runs out (it cannot know
  // better while its retries fail), and on a loaded machine those retries can take seconds.
  const app = testApp("beat_kill_conn", { beatLease: "1s", beatCheckInterval: 100 });
  const other = sibling(app.config.schema, `${app.name}_other`);
  other.configFromObject({ beatLease: "1s", beatCheckInterval: 100 });
  const beats = [new Beat(app, { checkIntervalMs: 100 }), new Beat(other, { checkIntervalMs: 100 })];
  const sql = dbClient();
  try {
    await app.schedules.add("tick", { task: "tick", schedule: every("1s"), missed: "all" });
    for (const beat of beats) await beat.start();
    const leaderApp = beats[0].isLeader ? app : other;
    await sleep(1_500);
    const killed = await sql.unsafe(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1`, [`tq:${leaderApp.name}:beat`]);
    assert.equal(killed.length, 1, "the leader's own connection was killed");
    await eventually(() => beats.filter((b) => b.isLeader).length === 1, 5_000, "one leader again");
    await sleep(2_500);
    assert.equal(beats.filter((b) => b.isLeader).length, 1);
    for (const beat of beats) await beat.stop();
    const ticks = await sql.unsafe(`select extract(epoch from fire_at)::float8 as t from "${app.config.schema}".beat_ticks where schedule = 'tick' order by fire_at`);
    assert.ok(ticks.length >= 3, `ticks were sent (${ticks.length})`);
    for (let i = 1; i < ticks.length; i++) assert.equal(ticks[i].t - ticks[i - 1].t, 1, "each second once");
  } finally {
    for (const beat of beats) await beat.stop();
    await sql.end();
    await other.close();
    await disposeApp(app);
  }
});

/** Starts `tq beat` on the one-second tick schedule (missed: all), or without -A on the stored schedules only. */
function startBeat(schema: string, options: { env?: Record<string, string>; fromCode?: boolean } = {}): CliProcess {
  const app = options.fromCode === false ? [] : ["-A", BEAT_TASKS];
  return runCli(["beat", ...app, "--log-level", "debug"], { TQ_SCHEMA: schema, ...options.env });
}

/** The tick schedule's fire times (epoch seconds) and how many jobs they sent. */
async function tickState(schema: string): Promise<{ ticks: number[]; jobs: number }> {
  const sql = dbClient();
  try {
    const rows = await sql.unsafe(`select extract(epoch from fire_at)::float8 as t from "${schema}".beat_ticks where schedule = 'tick' order by fire_at`);
    const [{ jobs }] = await sql.unsafe(`select count(*)::int as jobs from "${schema}".jobs where message->>'task' = 'record'`);
    return { ticks: rows.map((r) => r.t), jobs };
  } finally {
    await sql.end();
  }
}

function assertEachTickOnce(ticks: number[], everySeconds = 1): void {
  for (let i = 1; i < ticks.length; i++) {
    assert.equal(ticks[i] - ticks[i - 1], everySeconds, `one tick every ${everySeconds} s, none twice, none left out (${ticks.join(", ")})`);
  }
}

/** Runs `body` on a fresh migrated schema; SIGKILLs what is left of its processes and drops the schema. */
async function withBeats(prefix: string, body: (schema: string, processes: CliProcess[], app: App) => Promise<void>): Promise<void> {
  const schema = uniqueSchema(prefix);
  const app = await producerApp(schema);
  const processes: CliProcess[] = [];
  try {
    await body(schema, processes, app);
  } finally {
    for (const p of processes) {
      if (p.running()) p.kill("SIGKILL");
      await p.exited;
    }
    await app.close();
    await dropSchema(schema);
  }
}

/** Waits until one of `beats` says it leads; returns it and how long that took. */
async function nextLeader(beats: CliProcess[], since: number, timeoutMs: number): Promise<{ beat: CliProcess; ms: number }> {
  const beat = await Promise.any(beats.map((b) => b.waitFor(/beat: leading/, timeoutMs).then(() => b)));
  return { beat, ms: Date.now() - since };
}

test("SIGKILL of the leading beat process: one standby leads (at once on a server, within the lease on the embedded database), no tick twice", async () => {
  await withBeats("leadkill", async (schema, processes) => {
    const beats = [startBeat(schema), startBeat(schema), startBeat(schema)];
    processes.push(...beats);
    for (const beat of beats) await beat.waitFor(/beat: (leading|standing by)/);
    assert.equal(beats.filter((b) => /beat: leading/.test(b.output())).length, 1, "one leads, two stand by");
    await sleep(3_000);
    const leader = beats.find((b) => /beat: leading/.test(b.output()))!;
    const killedAt = Date.now();
    leader.kill("SIGKILL");
    await leader.exited;
    const standbys = beats.filter((b) => b !== leader);
    const { ms } = await nextLeader(standbys, killedAt, 15_000);
    // A server sees the leader's session end; the embedded database (one
    // shared session) only sees its lease run out: 5 s, plus a check.
    const limit = EMBEDDED ? 7_000 : 2_500;
    console.log(`beat takeover after SIGKILL: ${ms} ms (${EMBEDDED ? "embedded database" : "server"})`);
    assert.ok(ms < limit, `a standby leads within ${limit} ms (${ms} ms)`);
    await sleep(3_000);
    for (const beat of standbys) beat.kill("SIGTERM");
    for (const beat of standbys) assert.equal(await beat.exited, 0);

    assert.equal(standbys.filter((b) => /beat: leading/.test(b.output())).length, 1, "exactly one standby took over");
    const { ticks, jobs } = await tickState(schema);
    assert.ok(ticks.length >= 6, `ticks before and after the kill (${ticks.length})`);
    assertEachTickOnce(ticks);
    assert.equal(jobs, ticks.length, "one job per tick");
  });
});

test("a hung leader (process stopped, its session still open) is replaced after the lease, and stands by when it wakes", async () => {
  await withBeats("leadhang", async (schema, processes, app) => {
    // A tick every 5 s: on the embedded database a client stopped inside a
    // transaction would hold up every other client, so the leader should
    // rarely be caught in one.
    await app.schedules.add("tick", { task: "record", schedule: every("5s"), args: ["tick"], missed: "all" });
    const options = { env: { TQ_BEAT_LEASE: "2s" }, fromCode: false };
    const first = startBeat(schema, options);
    processes.push(first);
    await first.waitFor(/beat: leading/);
    const second = startBeat(schema, options);
    processes.push(second);
    await second.waitFor(/beat: standing by/);
    await sleep(1_500);

    process.kill(first.pid, "SIGSTOP");
    const stoppedAt = Date.now();
    try {
      const { ms } = await nextLeader([second], stoppedAt, 10_000);
      console.log(`beat takeover from a hung leader (lease 2 s): ${ms} ms`);
      assert.ok(ms >= 1_000 && ms < 4_500, `the standby leads once the 2 s lease has run out (${ms} ms)`);
    } finally {
      process.kill(first.pid, "SIGCONT");
    }
    await first.waitFor(/beat: standing by: another beat leads/, 10_000);
    await sleep(6_000);
    // A tick every 5 s, anchored to the epoch: on a loaded machine the window above may hold one only.
    await eventually(async () => (await tickState(schema)).ticks.length >= 2, 12_000, "a second tick");
    for (const beat of [first, second]) beat.kill("SIGTERM");
    for (const beat of [first, second]) assert.equal(await beat.exited, 0);

    const { ticks, jobs } = await tickState(schema);
    assert.ok(ticks.length >= 2, `ticks were sent (${ticks.length})`);
    assertEachTickOnce(ticks, 5);
    assert.equal(jobs, ticks.length, "one job per tick: the woken leader sent none of the standby's ticks again");
  });
});
