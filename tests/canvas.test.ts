/**
 * The canvas with a worker in this process: signatures, chains, groups,
 * chords, map/starmap/chunks, callbacks and nesting. Outcomes are read from
 * the database (results, and the runs table for how often a task ran).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { type AsyncResult, chain, chord, group, GroupResult, type ResultSet, TaskFailed, type TaskContext, Worker } from "../mod.ts";
import { dbClient, disposeApp, runCli, testApp } from "./_helpers.ts";

function canvasApp(prefix: string) {
  const app = testApp(prefix);
  const add = app.task("add", (a: number, b: number) => a + b);
  const mul = app.task("mul", (a: number, b: number) => a * b);
  const tsum = app.task("tsum", (numbers: number[]) => numbers.reduce((a, b) => a + b, 0));
  const fail = app.task({ name: "fail", maxRetries: 0 }, (_input: unknown, why: string) => {
    throw new RangeError(why);
  });
  const record = app.task("record", async function (this: TaskContext, label: unknown) {
    const sql = dbClient();
    try {
      await sql.unsafe(`insert into "${app.config.schema}".runs (job_id, label) values ($1, $2)`, [this.id, JSON.stringify(label)]);
    } finally {
      await sql.end();
    }
    return label;
  });
  return { app, add, mul, tsum, fail, record };
}

async function withWorker<T>(app: ReturnType<typeof canvasApp>["app"], body: () => Promise<T>): Promise<T> {
  await app.migrate();
  const sql = dbClient();
  await sql.unsafe(`create table if not exists "${app.config.schema}".runs (job_id uuid, label text)`);
  await sql.end();
  const worker = new Worker(app, { concurrency: 8 });
  await worker.start();
  try {
    return await body();
  } finally {
    await worker.stop();
  }
}

test("a chain passes each result to the next step; si ignores it; result.parent walks back", async () => {
  const { app, add, mul } = canvasApp("chain");
  try {
    await withWorker(app, async () => {
      const result = await chain(add.s(2, 3), mul.s(10), add.si(1, 1), add.s(5)).delay();
      assert.equal(await result.get({ timeout: 10_000 }), 7);
      assert.equal(await (result.parent as AsyncResult).get(), 2);
      const piped = await add.s(1, 1).pipe(mul.s(3)).pipe(mul.s(3)).delay();
      assert.equal(await piped.get({ timeout: 10_000 }), 18);
    });
  } finally {
    await disposeApp(app);
  }
});

test("a failing step stops the chain, fails the later steps with it, and its errback runs once", async () => {
  const { app, add, fail, record } = canvasApp("chainfail");
  try {
    await withWorker(app, async () => {
      const result = await chain(add.s(1, 2), fail.s("broken").onError(record.si("errback")), add.s(1)).delay();
      await assert.rejects(result.get({ timeout: 10_000 }), (e: unknown) => e instanceof TaskFailed && e.code === "CHAIN_STEP_FAILED" && /broken/.test(e.message));
      await assert.rejects((result.parent as AsyncResult).get(), (e: unknown) => e instanceof TaskFailed && e.type === "RangeError");
      const sql = dbClient();
      try {
        await new Promise((r) => setTimeout(r, 500));
        const runs = await sql.unsafe(`select label from "${app.config.schema}".runs`);
        assert.deepEqual(runs.map((r) => r.label), ['"errback"']);
      } finally {
        await sql.end();
      }
    });
  } finally {
    await disposeApp(app);
  }
});

test("a group returns its results in member order and can be restored by id", async () => {
  const { app, add } = canvasApp("group");
  try {
    await withWorker(app, async () => {
      const result = await group(add.s(1, 1), add.s(2, 2), add.s(3, 3)).delay();
      assert.deepEqual(await result.get({ timeout: 10_000 }), [2, 4, 6]);
      assert.equal(await result.completedCount(), 3);
      assert.equal(await result.successful(), true);
      const restored = await app.GroupResult.restore(result.id);
      assert.ok(restored instanceof GroupResult);
      assert.deepEqual(await restored!.get({ timeout: 1_000 }), [2, 4, 6]);
    });
  } finally {
    await disposeApp(app);
  }
});

test("a chord sends its callback once with every result in order; a failed member fails the chord and runs its errback once", async () => {
  const { app, add, tsum, fail, record } = canvasApp("chord");
  try {
    await withWorker(app, async () => {
      const members = Array.from({ length: 20 }, (_, i) => add.s(i, i));
      const result = await chord(group(members), tsum.s()).delay();
      assert.equal(await result.get({ timeout: 10_000 }), 380);
      // A member's completion delivered again (a stale worker, a retried write) is fenced: it counts nothing.
      const member = (result.parent as ResultSet).results[0].id;
      const ttls = { resultTtlMs: 60_000, failedTtlMs: 60_000 };
      assert.deepEqual(await app.transport.jobCompleteMany([{ id: member, attempt: 1, state: "SUCCESS", value: 0 }], ttls), []);
      const check = dbClient();
      try {
        const [chordRow] = await check.unsafe(`select state, remaining from "${app.config.schema}".chords where id = $1`, [result.id]);
        assert.deepEqual({ ...chordRow }, { state: "fired", remaining: 0 });
        const [jobs] = await check.unsafe(`select count(*)::int as n from "${app.config.schema}".jobs where id = $1`, [result.id]);
        assert.equal(jobs.n, 0, "the callback was not sent again");
      } finally {
        await check.end();
      }
      const broken = await chord(group(add.s(1, 1), fail.s(0, "member broke")), tsum.s().onError(record.si("chord errback"))).delay();
      await assert.rejects(broken.get({ timeout: 10_000 }), (e: unknown) => e instanceof TaskFailed && e.code === "CHORD_MEMBER_FAILED" && /member broke/.test(e.message));
      await new Promise((r) => setTimeout(r, 500));
      const sql = dbClient();
      try {
        const runs = await sql.unsafe(`select label from "${app.config.schema}".runs`);
        assert.deepEqual(runs.map((r) => r.label), ['"chord errback"']);
      } finally {
        await sql.end();
      }
    });
  } finally {
    await disposeApp(app);
  }
});

test("nesting: a chain with a group step becomes a chord; a group of chains; a chord whose callback is a chain; a chord inside a chain", async () => {
  const { app, add, mul, tsum } = canvasApp("nesting");
  try {
    await withWorker(app, async () => {
      const viaGroup = await chain(add.s(1, 1), group(add.s(1), add.s(2)), tsum.s()).delay();
      assert.equal(await viaGroup.get({ timeout: 10_000 }), 7); // 2 -> [3, 4] -> 7
      const ofChains = await group(chain(add.s(1, 1), mul.s(10)), chain(add.s(2, 2), mul.s(10))).delay();
      assert.deepEqual(await ofChains.get({ timeout: 10_000 }), [20, 40]);
      const callbackChain = await chord(group(add.s(1, 1), add.s(2, 2)), chain(tsum.s(), mul.s(100))).delay();
      assert.equal(await callbackChain.get({ timeout: 10_000 }), 600);
      const chordInChain = await chain(add.s(1, 1), chord(group(add.s(1), add.s(2)), tsum.s()), mul.s(10)).delay();
      assert.equal(await chordInChain.get({ timeout: 10_000 }), 70); // 2 -> [3, 4] -> 7 -> 70
    });
  } finally {
    await disposeApp(app);
  }
});

test("map, starmap and chunks return what Celery's would; link sends a callback with the result", async () => {
  const { app, add, record } = canvasApp("maps");
  const double = app.task("double", (n: number) => n * 2);
  try {
    await withWorker(app, async () => {
      assert.deepEqual(await (await double.map([1, 2, 3]).delay()).get({ timeout: 10_000 }), [2, 4, 6]);
      assert.deepEqual(await (await add.starmap([[1, 2], [3, 4]]).delay()).get({ timeout: 10_000 }), [3, 7]);
      const pairs = Array.from({ length: 25 }, (_, i) => [i, 1] as [number, number]);
      const chunks = await add.chunks(pairs, 10).delay();
      assert.deepEqual(await chunks.get({ timeout: 10_000 }), pairs.map(([a, b]) => a + b));
      const linked = await add.s(2, 2).link(record.s()).delay();
      assert.equal(await linked.get({ timeout: 10_000 }), 4);
      const sql = dbClient();
      try {
        for (let i = 0; i < 50; i++) {
          const [row] = await sql.unsafe(`select count(*)::int as n from "${app.config.schema}".runs where label = '4'`);
          if (row.n === 1) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        const [row] = await sql.unsafe(`select count(*)::int as n from "${app.config.schema}".runs`);
        assert.equal(row.n, 1, "the link ran once, with the result");
      } finally {
        await sql.end();
      }
    });
  } finally {
    await disposeApp(app);
  }
});

test("revoking a workflow's handle revokes every step, sent or not yet sent, through the nesting", async () => {
  const { app, add, mul, tsum } = canvasApp("revoke");
  try {
    await withWorker(app, async () => {
      const later = await chain(add.s(1, 1).set({ countdown: "30s" }), mul.s(2), mul.s(3)).delay();
      assert.equal(await later.revoke(), "revoked");
      await assert.rejects(later.get({ timeout: 5_000 }), (e: unknown) => e instanceof TaskFailed && e.type === "TaskRevoked");
      await assert.rejects((later.parent as AsyncResult).get(), (e: unknown) => e instanceof TaskFailed && e.type === "TaskRevoked");
      const chorded = await chord(group(add.s(1, 1).set({ countdown: "30s" }), add.s(2, 2).set({ countdown: "30s" })), tsum.s()).delay();
      await chorded.revoke();
      await assert.rejects(chorded.get({ timeout: 5_000 }), (e: unknown) => e instanceof TaskFailed && e.type === "TaskRevoked");
      const sql = dbClient();
      try {
        const [left] = await sql.unsafe(`select count(*)::int as n from "${app.config.schema}".jobs`);
        assert.equal(left.n, 0, "nothing of either workflow is left to run");
      } finally {
        await sql.end();
      }
    });
  } finally {
    await disposeApp(app);
  }
});

test("tq inspect job and why show a task's place in a workflow: its chord (k of n members done) and the steps after it", async () => {
  const { app, add, mul, tsum } = canvasApp("inspectflow");
  try {
    await app.migrate();
    const waiting = await chord(group(add.s(1, 1), add.s(2, 2).set({ countdown: "60s" })), tsum.s()).delay();
    const callback = await app.inspect.job(waiting.id);
    assert.equal(callback.chord?.role, "callback");
    assert.deepEqual([callback.chord?.done, callback.chord?.total, callback.chord?.state], [0, 2, "open"]);
    const why = await app.why(waiting.id);
    assert.equal(why.reasons[0].code, "chord");
    assert.match(why.reasons[0].message, /0 of 2 members done/);
    const member = await app.inspect.job((waiting.parent as ResultSet).results[0].id);
    assert.equal(member.chord?.role, "member");
    assert.equal(member.chord?.id, waiting.id);
    const steps = await chain(add.s(1, 1).set({ countdown: "60s" }), mul.s(2), mul.s(3)).delay();
    const first = ((steps.parent as AsyncResult).parent as AsyncResult).id;
    const cli = runCli(["inspect", "job", first], { TQ_SCHEMA: app.config.schema });
    assert.equal(await cli.exited, 0, cli.output());
    assert.match(cli.output(), /then:\s+mul\[[0-9a-f-]{36}\] -> mul\[[0-9a-f-]{36}\]/);
    const whyCli = runCli(["inspect", "why", waiting.id], { TQ_SCHEMA: app.config.schema });
    assert.equal(await whyCli.exited, 0, whyCli.output());
    assert.match(whyCli.output(), /callback of a chord: 0 of 2 members done/);
  } finally {
    await disposeApp(app);
  }
});

test("link and linkError on any call run once each; a workflow survives a JSON round trip and starts from its data", async () => {
  const { app, add, mul, record } = canvasApp("links");
  try {
    await withWorker(app, async () => {
      const sum = await add.applyAsync([2, 3], { link: record.s(), linkError: record.si("never") });
      assert.equal(await sum.get({ timeout: 10_000 }), 5);
      const failed = await app.sendTask("fail", [0, "no"], { link: record.si("never"), linkError: [record.si("errback by name")] });
      await assert.rejects(app.asyncResult(failed.id).get({ timeout: 10_000 }), TaskFailed);
      const data = JSON.parse(JSON.stringify(chain(add.s(1, 2), mul.s(5))));
      const again = await app.canvas(data).delay() as AsyncResult;
      assert.equal(await again.get({ timeout: 10_000 }), 15);
      const sql = dbClient();
      try {
        let labels: string[] = [];
        for (let i = 0; i < 50 && labels.length < 2; i++) {
          labels = (await sql.unsafe(`select label from "${app.config.schema}".runs order by label`)).map((r) => r.label);
          await new Promise((r) => setTimeout(r, 100));
        }
        await new Promise((r) => setTimeout(r, 300));
        labels = (await sql.unsafe(`select label from "${app.config.schema}".runs order by label`)).map((r) => r.label);
        assert.deepEqual(labels, ['"errback by name"', "5"]);
      } finally {
        await sql.end();
      }
    });
  } finally {
    await disposeApp(app);
  }
});

test("a workflow is checked whole before anything is written: arity, size and shape of every step, wherever it sits", async () => {
  const { app, add, tsum } = canvasApp("canvascheck");
  try {
    await app.migrate();
    await assert.rejects(app.signature("add", [1, 2, 3]).delay(), /Task "add" takes 2 arguments, got 3/);
    await assert.rejects(add.s("x".repeat(2_000_000) as never, 1).delay(), /over the limit/);
    // deno-lint-ignore no-explicit-any
    const badBody = chain(add.s(1, 1), chord(group(add.s(1), add.s(2)), group(tsum.s(), tsum.s()) as any)) as any;
    await assert.rejects(badBody.delay(), /A chord's callback must be a task or a chain that starts with a task/);
    assert.throws(() => add.s(1, 2).set({ expires: "soon" }), /"expires" must be a date, an ISO-8601 time or a duration/);
    const sql = dbClient();
    try {
      const [row] = await sql.unsafe(`select (select count(*) from "${app.config.schema}".jobs)::int + (select count(*) from "${app.config.schema}".chords)::int as n`);
      assert.equal(row.n, 0, "nothing was written");
    } finally {
      await sql.end();
    }
  } finally {
    await disposeApp(app);
  }
});
