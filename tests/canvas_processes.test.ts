/**
 * The canvas across real worker processes (`tq worker` through the CLI) on
 * the real database: a chord's callback runs exactly once, with every result
 * in member order, however the members are spread over workers, retried,
 * failed for good or orphaned by a worker killed with SIGKILL; and a group is
 * restored by id from another process. Every count is read from the database
 * (the `runs` rows the fixture tasks write, the results and chords tables),
 * never from the memory of a process under test.
 */
import { test } from "node:test";
import { join } from "node:path";
import process from "node:process";
import assert from "node:assert/strict";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chord, group, TaskFailed } from "../mod.ts";
import { runtimeName } from "../core/runtime.ts";
import { DATABASE_URL, eventually, ROOT, runCommand } from "./_helpers.ts";
import { dbNow, type Row, SHORT_LEASE, sleep, type Sql, withScenario } from "./faults/_worker_helpers.ts";
import { canvasTasks } from "./fixtures/canvas_tasks.ts";

const CANVAS_TASKS = fileURLToPath(new URL("./fixtures/canvas_tasks.ts", import.meta.url));
/** Quick polling and sweeps, the default lease. */
const QUICK = { TQ_POLL_INTERVAL: "200", TQ_MAINTENANCE_INTERVAL: "300" };
/**
 * How long to keep watching after a chord ended, for a second callback. The
 * chord is `fired` by then (asserted where it matters), a state nothing fires
 * from again, and a second callback job would share the first one's id; a
 * second would have to come from a bug, and the workers (polling every 200
 * ms) would run it within this.
 */
const SETTLE_MS = 1_000;

function report(text: string): void {
  console.log(`  [canvas] ${text}`);
}

/** The `runs` rows of one kind ("member", "flaky", "callback", "errback"), oldest first, their labels parsed. */
async function runsOf(sql: Sql, schema: string, kind: string): Promise<Row[]> {
  return await sql.unsafe(
    `select job_id::text as job_id, label::jsonb as what, pid, at from "${schema}".runs where label::jsonb->>'kind' = $1 order by at`,
    [kind],
  );
}

/** The chord row of callback `id`: state, remaining and member ids. */
async function chordRow(sql: Sql, schema: string, id: string): Promise<Row> {
  const [row] = await sql.unsafe(`select state, remaining, members::text[] as members from "${schema}".chords where id = $1`, [id]);
  return row;
}

/** Milliseconds from the last member's stored result to the callback's start (both by the database clock). */
async function callbackLagMs(sql: Sql, schema: string, chordId: string, label: string): Promise<number> {
  const [{ ms }] = await sql.unsafe(
    `select extract(epoch from (cb.at - m.last)) * 1000 as ms
     from (select min(at) as at from "${schema}".runs where label::jsonb->>'kind' = 'callback' and label::jsonb->>'label' = $2) cb,
          (select max(r.finished_at) as last from "${schema}".chords c join "${schema}".results r on r.id = any(c.members) where c.id = $1) m`,
    [chordId, label],
  );
  return Math.round(Number(ms));
}

test("a chord of 1,000 members over 4 worker processes runs its callback exactly once, with every result in member order", () =>
  withScenario("cv_thousand", async ({ schema, app, sql, worker }) => {
    const { member, collect } = canvasTasks(app);
    const booting = performance.now();
    const workers = await Promise.all([1, 2, 3, 4].map(() => worker(["-c", "8"], QUICK, CANVAS_TASKS)));
    const started = performance.now();
    const bootMs = Math.round(started - booting);
    const members = Array.from({ length: 1_000 }, (_, i) => member.s(i));
    const result = await chord(group(members), collect.s("thousand")).delay();
    assert.deepEqual(await result.get({ timeout: 60_000 }), { n: 1_000, inOrder: true, sum: 499_500 });
    const tookMs = Math.round(performance.now() - started);
    await sleep(SETTLE_MS);

    const callbacks = await runsOf(sql, schema, "callback");
    assert.equal(callbacks.length, 1, "the callback ran exactly once");
    assert.deepEqual(callbacks[0].what, { kind: "callback", label: "thousand", n: 1_000, inOrder: true, sum: 499_500 }, "with all 1,000 results, in member order");
    assert.equal(callbacks[0].job_id, result.id);
    const [counts] = await sql.unsafe(
      `select count(*)::int as runs, count(distinct (label::jsonb->>'i'))::int as members, count(distinct pid)::int as pids
       from "${schema}".runs where label::jsonb->>'kind' = 'member'`,
    );
    assert.equal(counts.members, 1_000, "every member ran");
    assert.equal(counts.runs, 1_000, "no member ran twice");
    assert.ok(counts.pids >= 2, `the members were shared between processes (${counts.pids} of 4 took part)`);
    assert.ok(workers.some((w) => w.pid === callbacks[0].pid), "the callback ran in one of the workers");
    const row = await chordRow(sql, schema, result.id);
    assert.deepEqual({ state: row.state, remaining: row.remaining, members: row.members.length }, { state: "fired", remaining: 0, members: 1_000 });
    const [stored] = await sql.unsafe(`select count(*)::int as n from "${schema}".results where id = any($1::uuid[]) and state = 'SUCCESS'`, [row.members]);
    assert.equal(stored.n, 1_000);
    const [{ left }] = await sql.unsafe(`select count(*)::int as left from "${schema}".jobs`);
    assert.equal(left, 0, "nothing is left in the queue");
    const lag = await callbackLagMs(sql, schema, result.id, "thousand");
    report(`1,000-member chord on 4 workers (up in ${bootMs} ms; ${counts.pids} took members): done in ${tookMs} ms; callback started ${lag} ms after the last member's result was stored; 1 callback run`);
  }));

test("a chord whose members fail and retry runs its callback once with every result; a member that fails for good fails the chord and runs the callback's errback once", () =>
  withScenario("cv_retry", async ({ schema, app, sql, worker }) => {
    const { flaky, collect, errback } = canvasTasks(app);
    await Promise.all([1, 2].map(() => worker(["-c", "8"], QUICK, CANVAS_TASKS)));

    // About a third of the members fail their first 1 to 3 attempts (3 retries allowed): even ones
    // by an error autoRetryFor retries, odd ones by this.retry(). Member 0 and 1 always do.
    const size = 60;
    const failures = Array.from({ length: size }, (_, i) => (i < 2 ? 1 + 2 * i : Math.random() < 1 / 3 ? 1 + Math.floor(Math.random() * 3) : 0));
    const retrying = await chord(group(failures.map((f, i) => flaky.s(i, f))), collect.s("retrying")).delay();
    // One member (3) fails all 4 of its attempts; the others succeed at once.
    const brokenSize = 10;
    const broken = await chord(
      group(Array.from({ length: brokenSize }, (_, i) => flaky.s(i, i === 3 ? 99 : 0))),
      collect.s("broken").onError(errback.s("broken")),
    ).delay();

    const sum = (size * (size - 1)) / 2;
    assert.deepEqual(await retrying.get({ timeout: 60_000 }), { n: size, inOrder: true, sum });
    await assert.rejects(
      broken.get({ timeout: 60_000 }),
      (e: unknown) => e instanceof TaskFailed && e.type === "ChordError" && e.code === "CHORD_MEMBER_FAILED" && /Flaky/.test(e.message),
    );
    await eventually(async () => (await runsOf(sql, schema, "errback")).length > 0, 20_000, "the errback to run");
    await sleep(SETTLE_MS);

    // The retried chord: one callback, every member run as often as it was told to fail, plus once.
    const callbacks = await runsOf(sql, schema, "callback");
    assert.deepEqual(callbacks.map((c) => c.what), [{ kind: "callback", label: "retrying", n: size, inOrder: true, sum }], "only the retried chord's callback ran, once, with every result");
    const retryRow = await chordRow(sql, schema, retrying.id);
    const runs = await sql.unsafe(
      `select (label::jsonb->>'i')::int as i, count(*)::int as n, array_agg((label::jsonb->>'retries')::int order by at) as retries
       from "${schema}".runs where label::jsonb->>'kind' = 'flaky' and job_id = any($1::uuid[]) group by 1 order by 1`,
      [retryRow.members],
    );
    assert.deepEqual(runs.map((r) => r.n), failures.map((f) => f + 1), "each member ran once per failed attempt, plus the one that succeeded");
    assert.deepEqual(runs.map((r) => r.retries), failures.map((f) => Array.from({ length: f + 1 }, (_, k) => k)));
    const attempts = await sql.unsafe(
      `select m.n::int - 1 as i, r.state, r.attempts from unnest($1::uuid[]) with ordinality as m(id, n) join "${schema}".results r on r.id = m.id order by m.n`,
      [retryRow.members],
    );
    assert.deepEqual(attempts.map((r) => `${r.state}/${r.attempts}`), failures.map((f) => `SUCCESS/${f + 1}`));

    // The broken chord: its callback never ran; its errback ran once, told of the ChordError.
    const errbacks = await runsOf(sql, schema, "errback");
    assert.equal(errbacks.length, 1, "the callback's errback ran exactly once");
    assert.deepEqual(
      { ...errbacks[0].what, message: undefined },
      { kind: "errback", label: "broken", failedId: broken.id, failedTask: "canvas.collect", errorType: "ChordError", message: undefined },
    );
    assert.match(errbacks[0].what.message, /Flaky/);
    const brokenRow = await chordRow(sql, schema, broken.id);
    assert.equal(brokenRow.state, "failed");
    const outcomes = await sql.unsafe(
      `select r.state, r.attempts, r.error->>'type' as type from unnest($1::uuid[]) with ordinality as m(id, n)
       join "${schema}".results r on r.id = m.id order by m.n`,
      [brokenRow.members],
    );
    assert.deepEqual(
      outcomes.map((r) => `${r.state}/${r.attempts}/${r.type}`),
      Array.from({ length: brokenSize }, (_, i) => (i === 3 ? "FAILURE/4/Flaky" : "SUCCESS/1/null")),
      "member 3 failed after its 4 attempts; the others succeeded",
    );
    const [callbackResult] = await sql.unsafe(`select state, error->>'code' as code from "${schema}".results where id = $1`, [broken.id]);
    assert.deepEqual({ ...callbackResult }, { state: "FAILURE", code: "CHORD_MEMBER_FAILED" });
    const retried = failures.filter((f) => f > 0).length;
    report(`${size}-member chord with ${retried} flaky members (${failures.reduce((a, b) => a + b, 0)} failed attempts, retried at once): 1 callback run with all ${size} results; a member failing 4 of 4 attempts: 0 callback runs, 1 errback run`);
  }));

test("a chord whose worker is killed with SIGKILL while members run still completes: the callback runs exactly once with every result", () =>
  withScenario("cv_kill", async ({ schema, app, sql, worker }) => {
    const { member, collect } = canvasTasks(app);
    const args = ["-c", "4", "--prefetch", "2"];
    const [victim, survivor] = await Promise.all([worker(args, SHORT_LEASE, CANVAS_TASKS), worker(args, SHORT_LEASE, CANVAS_TASKS)]);
    const size = 32;
    const result = await chord(group(Array.from({ length: size }, (_, i) => member.s(i, 300))), collect.s("killed")).delay();
    await eventually(async () => (await runsOf(sql, schema, "member")).filter((r) => r.pid === victim.pid).length >= 6, 20_000, "the victim to run members");
    victim.kill("SIGKILL");
    assert.equal(await victim.exited, "SIGKILL");
    const killedAt = await dbNow(sql);
    const done = await sql.unsafe(`select count(*)::int as n from "${schema}".results where task = 'canvas.member'`);
    assert.ok(done[0].n < size, `the kill came while members were left (${done[0].n} of ${size} done)`);

    assert.deepEqual(await result.get({ timeout: 60_000 }), { n: size, inOrder: true, sum: (size * (size - 1)) / 2 });
    await sleep(SETTLE_MS);

    const callbacks = await runsOf(sql, schema, "callback");
    assert.equal(callbacks.length, 1, "the callback ran exactly once");
    assert.deepEqual(callbacks[0].what, { kind: "callback", label: "killed", n: size, inOrder: true, sum: (size * (size - 1)) / 2 });
    assert.equal(callbacks[0].pid, survivor.pid);
    const perMember = await sql.unsafe(
      `select (label::jsonb->>'i')::int as i, array_agg(pid order by at) as pids from "${schema}".runs
       where label::jsonb->>'kind' = 'member' group by 1 order by 1`,
    );
    assert.equal(perMember.length, size, "every member ran");
    const rerun = perMember.filter((r) => r.pids.length > 1);
    assert.ok(rerun.length >= 1, "members the victim was running when it died ran again");
    for (const r of rerun) assert.deepEqual(r.pids, [victim.pid, survivor.pid], `member ${r.i} ran in the victim, then once in the survivor`);
    const row = await chordRow(sql, schema, result.id);
    assert.deepEqual({ state: row.state, remaining: row.remaining }, { state: "fired", remaining: 0 });
    const [stored] = await sql.unsafe(`select count(*)::int as n from "${schema}".results where id = any($1::uuid[]) and state = 'SUCCESS'`, [row.members]);
    assert.equal(stored.n, size);
    const [{ ms }] = await sql.unsafe(
      `select extract(epoch from (min(at) - $1::timestamptz)) * 1000 as ms from "${schema}".runs where label::jsonb->>'kind' = 'callback'`,
      [killedAt],
    );
    report(`${size}-member chord (300 ms members, 2 s lease), one of 2 workers SIGKILLed: ${rerun.length} members ran again in the survivor; callback ran once, ${Math.round(Number(ms))} ms after the kill, ${await callbackLagMs(sql, schema, result.id, "killed")} ms after the last member`);
  }));

test("a group sent here is restored by id in another process, which waits for and prints its results in member order", () =>
  withScenario("cv_restore", async ({ schema, app, worker, track }) => {
    const { member } = canvasTasks(app);
    const size = 20;
    const sent = await group(Array.from({ length: size }, (_, i) => member.s(i, 50))).delay();

    // Another process with an app that knows no tasks: it restores the group (and an unknown id)
    // before any worker runs, then waits for the results.
    const script = `
      import { App } from ${JSON.stringify(pathToFileURL(join(ROOT, "mod.ts")).href)};
      const app = new App({ databaseUrl: ${JSON.stringify(DATABASE_URL)}, schema: ${JSON.stringify(schema)}, logLevel: "silent", pollInterval: 100 });
      try {
        console.log("unknown " + JSON.stringify(await app.GroupResult.restore(crypto.randomUUID()) ?? null));
        const restored = await app.GroupResult.restore(${JSON.stringify(sent.id)});
        console.log("restored " + JSON.stringify({ id: restored.id, length: restored.length, completed: await restored.completedCount() }));
        const started = performance.now();
        const values = await restored.get({ timeout: 30000 });
        console.log("values " + JSON.stringify(values) + " " + JSON.stringify({ completed: await restored.completedCount(), successful: await restored.successful(), waitedMs: Math.round(performance.now() - started) }));
      } finally {
        await app.close();
      }
    `;
    const restorer = track(runCommand(process.execPath, runtimeName === "deno" ? ["eval", script] : ["-e", script]));
    await restorer.waitFor(/restored .*\n/, 20_000);
    await worker(["-c", "10"], QUICK, CANVAS_TASKS);
    assert.equal(await restorer.exited, 0, restorer.output());

    const lines = Object.fromEntries(restorer.output().trim().split("\n").map((line) => [line.slice(0, line.indexOf(" ")), line.slice(line.indexOf(" ") + 1)]));
    assert.equal(lines.unknown, "null", "an unknown group id restores to nothing");
    assert.deepEqual(JSON.parse(lines.restored), { id: sent.id, length: size, completed: 0 }, "restored before any member ran");
    const [values, figures] = lines.values.split(" ");
    assert.deepEqual(JSON.parse(values), Array.from({ length: size }, (_, i) => i), "every result, in member order");
    const { completed, successful, waitedMs } = JSON.parse(figures);
    assert.deepEqual({ completed, successful }, { completed: size, successful: true });
    report(`group of ${size} restored by id in another process before its members ran; it got every result ${waitedMs} ms later`);
  }));
