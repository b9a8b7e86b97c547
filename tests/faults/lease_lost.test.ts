/**
 * A worker learns when it lost a job: a worker process paused (SIGSTOP) past
 * its leases, whose jobs another worker took over meanwhile, aborts those
 * handlers with LeaseLost when it resumes, frees their slots, starts none of
 * its stale prefetched jobs, and never logs or stores a success for them.
 * Every count is read from the database.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { eventually, needsServer } from "../_helpers.ts";
import { countRuns, dbNow, isWorkerOf, type Row, SHORT_LEASE, signal, sleep, successLines, withScenario } from "./_worker_helpers.ts";

const HEARTBEAT_MS = Number(SHORT_LEASE.TQ_HEARTBEAT);
/** How long the handlers that the paused worker started run: longer than the whole takeover. */
const STALE_RUN_MS = 9_000;

test("a worker paused past its leases aborts the handlers it lost (LeaseLost) within 2 heartbeats of resuming, frees their slots, starts none of its stale prefetched jobs and logs no success for them", needsServer("a paused process, short leases and a takeover in time"), async () => {
  await withScenario("lease_lost", async (scenario) => {
    const { sql, schema, app } = scenario;
    await sql.unsafe(`create table "${schema}".knobs (name text primary key, value integer not null)`);
    await sql.unsafe(`insert into "${schema}".knobs values ('watchful_ms', ${STALE_RUN_MS})`);
    const args = ["--queues", "lease", "--concurrency", "4", "--prefetch", "4"];
    const a = await scenario.worker(args, SHORT_LEASE);
    const ids = (await app.sendMany("watchful", Array.from({ length: 10 }, () => []), { queue: "lease" })).map((r) => r.id);
    await eventually(async () => (await countRuns(sql, schema, `label = 'start' and pid = $1`, [a.pid])) === 4, 20_000, "worker A to start 4 jobs");
    await eventually(async () => {
      const [{ held }] = await sql.unsafe(`select count(*)::int as held from "${schema}".jobs where state = 'running' and worker like $1`, [`%:${a.pid}:%`]);
      return held >= 8;
    }, 5_000, "worker A to hold its 4 running and 4 prefetched jobs");
    const startedInA: string[] = (await sql.unsafe(`select job_id::text as id from "${schema}".runs where label = 'start' and pid = $1`, [a.pid])).map((r) => r.id);

    signal(a.pid, "SIGSTOP");
    await sql.unsafe(`update "${schema}".knobs set value = 200 where name = 'watchful_ms'`);
    const b = await scenario.worker(["--queues", "lease", "--concurrency", "10"], SHORT_LEASE);
    await eventually(async () => {
      const [{ n }] = await sql.unsafe(`select count(*)::int as n from "${schema}".results where id = any($1::uuid[]) and state = 'SUCCESS'`, [ids]);
      return n === 10;
    }, 20_000, "worker B to take over and finish all 10 jobs while A is paused");
    // B is stopped so that the jobs sent below can only run in A.
    b.kill("SIGTERM");
    assert.equal(await b.exited, 0, b.output());

    const resumedAt = await dbNow(sql);
    signal(a.pid, "SIGCONT");
    await eventually(
      async () => (await countRuns(sql, schema, `label = 'aborted:LeaseLost' and pid = $1`, [a.pid])) === 4,
      2 * HEARTBEAT_MS + 250,
      "each of A's 4 stale handlers to see its signal aborted with LeaseLost within 2 heartbeats",
    );
    const aborted: string[] = (await sql.unsafe(`select job_id::text as id from "${schema}".runs where label like 'aborted:%' and pid = $1`, [a.pid])).map((r) => r.id);
    assert.deepEqual(aborted.sort(), [...startedInA].sort(), "exactly the handlers A had started were aborted");

    // The stale handlers ignore their signal and run on; their slots must be free all the same.
    const fresh = (await app.sendMany("watchful", Array.from({ length: 4 }, () => []), { queue: "lease" })).map((r) => r.id);
    await eventually(async () => {
      const [{ n }] = await sql.unsafe(`select count(*)::int as n from "${schema}".results where id = any($1::uuid[]) and state = 'SUCCESS'`, [fresh]);
      return n === 4;
    }, 5_000, "A to run 4 new jobs in the slots its stale handlers held");
    assert.equal(await countRuns(sql, schema, `label = 'end' and pid = $1 and job_id = any($2::uuid[])`, [a.pid, ids]), 0, "the 4 new jobs ran while the stale handlers were still running");

    // Let the stale handlers return, and their completions be tried.
    await eventually(async () => (await countRuns(sql, schema, `label = 'end' and pid = $1 and job_id = any($2::uuid[])`, [a.pid, ids])) === 4, STALE_RUN_MS + 5_000, "the stale handlers to return");
    await sleep(2 * HEARTBEAT_MS);

    assert.equal(
      await countRuns(sql, schema, `label = 'start' and pid = $1 and job_id = any($2::uuid[]) and at >= $3`, [a.pid, ids, resumedAt]),
      0,
      "A started none of the jobs B took from it after it resumed",
    );
    const output = a.output();
    for (const id of ids) assert.deepEqual(successLines(output, id), [], `A logs no success for job ${id}, which B finished`);
    for (const id of startedInA) {
      const warnings = output.split("\n").filter((line) => line.includes(" WARN ") && line.includes(id) && /lease/i.test(line));
      assert.equal(warnings.length, 1, `A warns once that it lost the lease of job ${id}:\n${output}`);
    }
    const results: Row[] = (await sql.unsafe(`select id::text, state, worker from "${schema}".results where id = any($1::uuid[])`, [ids]));
    assert.equal(results.length, 10, "exactly one result per job");
    for (const result of results) {
      assert.equal(result.state, "SUCCESS");
      assert.ok(isWorkerOf(result.worker, b.pid), `job ${result.id}'s result was written by B, not by ${result.worker}`);
    }
    assert.ok(a.running(), "A kept running");
  });
});
