/**
 * Groups (docs/flow_control.md): jobs sent with `group` take turns with the
 * other groups of their queue, priorities order them within their group,
 * and a cap per group (groupConcurrency, queueGroupConcurrency) holds across
 * worker processes. What ran, when and how many at once is read from the
 * database, never from a worker's memory.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { type App, Worker } from "../mod.ts";
import { dropSchema, eventually, producerApp, uniqueSchema } from "./_helpers.ts";
import { ended, mostAtOnceByGroup, withWorkers } from "./_flow.ts";

/** Claims everything claimable in batches of `limit` as one worker does (carrying its group cursor), in claim order. */
async function claimAll(app: App, limit: number): Promise<string[]> {
  const claimed: string[] = [];
  let groupCursor: Record<string, string> = {};
  for (;;) {
    const claim = await app.transport.jobClaim({
      queues: ["default"], limit, workerId: "test:groups", leaseMs: 60_000, tasks: ["job"], maxAttempts: {}, startNow: limit, groupCursor,
    });
    if (claim.jobs.length === 0) return claimed;
    groupCursor = { ...groupCursor, ...claim.groupCursor };
    claimed.push(...claim.jobs.map((job) => (job.message as { args: [string] }).args[0]));
  }
}

test("groups take turns in the claim; jobs without a group count as one more group; priorities order jobs within a group", async () => {
  const schema = uniqueSchema("groups_order");
  const app = await producerApp(schema);
  app.task("job", (_label: string) => undefined);
  try {
    const a = await app.sendMany("job", [["a1"], ["a2"], ["a3"], ["a4"], ["a5"]], { group: "A" });
    await app.sendTask("job", ["a-urgent"], { group: "A", priority: 9 });
    const b = await app.sendMany("job", [["b1"], ["b2"]], { group: "B" });
    const u = await app.sendMany("job", [["u1"], ["u2"]]);
    // What `tq inspect why` counts as ahead of a job: the jobs of its own group (or those without one).
    assert.deepEqual(await Promise.all([a[4], b[1], u[1]].map((r) => app.transport.inspectAhead("default", r.id))), [5, 1, 1]);
    assert.deepEqual(await claimAll(app, 4), ["u1", "a-urgent", "b1", "u2", "a1", "b2", "a2", "a3", "a4", "a5"]);

    // One job per claim: each claim starts after the group the last one ended on.
    for (const group of ["A", "B", "C"]) await app.sendMany("job", [[`${group}1`], [`${group}2`], [`${group}3`]], { group });
    assert.deepEqual(await claimAll(app, 1), ["A1", "B1", "C1", "A2", "B2", "C2", "A3", "B3", "C3"]);
  } finally {
    await app.close();
    await dropSchema(schema);
  }
});

test("a claim passes over groups with nothing ready, so a group behind them is not starved", async () => {
  const schema = uniqueSchema("groups_skip");
  const app = await producerApp(schema);
  app.task("job", (_label: string) => undefined);
  try {
    // Ten groups that sort first hold only jobs due in an hour; "z" has one ready now.
    for (let g = 0; g < 10; g++) await app.sendTask("job", [`later-${g}`], { group: `a${g}`, countdown: "1h" });
    await app.sendTask("job", ["ready"], { group: "z" });
    const first = await claimAll(app, 2);
    assert.deepEqual(first, ["ready"], "the ready job of the group after the waiting ones is claimed");
  } finally {
    await app.close();
    await dropSchema(schema);
  }
});

test("fairness across 3 workers: tenant B's 20 jobs, sent after tenant A's 2,000, all finish before half of A's", async () => {
  await withWorkers("groups_fair", "tenants", 4, async ({ schema, app, sql }) => {
    await app.sendMany("tenant-work", Array.from({ length: 2_000 }, () => ["A", 5]), { group: "A", queue: "tenants" });
    await app.sendMany("tenant-work", Array.from({ length: 20 }, () => ["B", 5]), { group: "B", queue: "tenants" });
    const endedOf = async (tenant: string) =>
      (await sql.unsafe(`select count(*)::int as n from "${schema}".runs where label = 'end' and grp = $1`, [tenant]))[0].n as number;
    await eventually(async () => (await endedOf("B")) === 20, 60_000, "tenant B's jobs");
    // A's jobs are left to the teardown: what matters is how many had finished by then.
    const [{ a_before }] = await sql.unsafe(`
      select count(*)::int as a_before from "${schema}".runs
      where label = 'end' and grp = 'A' and at <= (select max(at) from "${schema}".runs where label = 'end' and grp = 'B')`);
    assert.ok(a_before < 1_000, `${a_before} of A's 2,000 jobs had finished when B's last one did`);
  });
});

test("groupConcurrency and queueGroupConcurrency cap each group across 3 workers while groups run side by side; inspect explains", async () => {
  await withWorkers("groups_cap", "tenants,one-each", 10, async ({ schema, app, sql }) => {
    for (const tenant of ["t1", "t2", "t3"]) {
      await app.sendMany("per-tenant", Array.from({ length: 8 }, () => [tenant, 200]), { group: tenant, queue: "tenants" });
    }
    const capped = await app.sendMany("one-each", Array.from({ length: 4 }, () => ["solo", 300]), { group: "solo", queue: "one-each" });
    await app.sendMany("one-each", Array.from({ length: 4 }, () => ["other", 300]), { group: "other", queue: "one-each" });

    // While "solo" runs one job, its next ones say why they wait, and the queue shows its groups.
    await eventually(async () => {
      const why = await app.why(capped[3].id);
      return why.reasons.some((r) => r.code === "group-full" && /group "solo" is full in queue "one-each" \(queueGroupConcurrency\): 1 of 1/.test(r.message));
    }, 20_000, "inspect why naming the full group");
    const [queue] = (await app.inspect.queues()).filter((q) => q.queue === "one-each");
    assert.equal(queue.groupConcurrency, 1);
    assert.ok(queue.groups >= 1 && queue.groups <= 2, `groups waiting: ${queue.groups}`);

    await eventually(async () => (await ended(sql, schema, "per-tenant")) === 24, 60_000, "the per-tenant jobs");
    await eventually(async () => (await ended(sql, schema, "one-each")) === 8, 60_000, "the one-each jobs");
    assert.deepEqual(await mostAtOnceByGroup(sql, schema, "per-tenant"), { t1: 2, t2: 2, t3: 2 }, "2 at once in each group, never more");
    assert.deepEqual(await mostAtOnceByGroup(sql, schema, "one-each"), { solo: 1, other: 1 }, "1 at once in each group");
    const [all] = Object.values(await mostAtOnceByGroup(sql, schema, "per-tenant", false));
    assert.ok(all >= 4, `groups ran side by side: ${all} per-tenant jobs at once`);
  });
});

test("tq retry sends a failed job back into its group, and one sent without a group back without one", async () => {
  const schema = uniqueSchema("groups_retry");
  const app = await producerApp(schema);
  app.task({ name: "flaky", maxRetries: 0 }, () => {
    throw new Error("not yet");
  });
  try {
    const grouped = await app.sendTask("flaky", [], { group: "tenant-7" });
    const plain = await app.sendTask("flaky", []);
    const worker = new Worker(app, { concurrency: 2 });
    await worker.start();
    try {
      await eventually(async () => (await app.inspect.failed()).length === 2, 10_000, "both failures");
    } finally {
      await worker.stop();
    }
    assert.deepEqual((await app.retryFailed({ ids: [grouped.id, plain.id] })).sort(), [grouped.id, plain.id].sort());
    assert.equal((await app.inspect.job(grouped.id)).job?.group, "tenant-7");
    assert.equal((await app.inspect.job(plain.id)).job?.group, null);
  } finally {
    await app.close();
    await dropSchema(schema);
  }
});
