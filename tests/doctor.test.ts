/**
 * `tq doctor` (core/doctor.ts): all clear on a healthy installation, and
 * each problem planted in a real database found, with exit 1. The problems
 * are planted in the tables and the server as they would arise (a dropped
 * index, a worker that stopped, a lease no one swept, dead rows), and the
 * command runs as a user runs it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { type App, diagnose, type DoctorReport, Worker } from "../mod.ts";
import { scriptCommand } from "../core/runtime.ts";
import { CLI, dbClient, disposeApp, eventually, execToEnd, needsServer, testApp } from "./_helpers.ts";

async function doctor(app: App, env: Record<string, string> = {}): Promise<{ code: number; report: DoctorReport; stderr: string }> {
  const ran = await execToEnd([...scriptCommand(CLI), "doctor", "--json"], { TQ_SCHEMA: app.config.schema, TQ_POOL_SIZE: "2", ...env });
  return { code: ran.code, report: JSON.parse(ran.stdout || "null"), stderr: ran.stderr };
}

const levels = (report: DoctorReport) => Object.fromEntries(report.findings.map((f) => [f.check, f.level]));

test("tq doctor on a healthy installation: every check runs and all is clear (exit 0)", needsServer("the embedded database delivers no notifications, which doctor rightly reports"), async () => {
  const app = testApp("doctor_ok");
  app.task("add", (a: number, b: number) => a + b);
  const worker = new Worker(app, { concurrency: 2 });
  try {
    await worker.start();
    assert.equal(await (await app.sendTask("add", [1, 2])).get({ timeout: 10_000 }), 3);
    const { code, report, stderr } = await doctor(app);
    assert.equal(code, 0, `${stderr}\n${JSON.stringify(report, null, 1)}`);
    assert.equal(report.needsAction, false);
    const found = levels(report);
    for (const check of ["schema", "drift", "dead-workers", "overdue-leases", "no-consumer", "unregistered", "bloat", "autovacuum", "connections", "clock", "notify"]) {
      assert.ok(found[check] === "ok" || found[check] === "note", `${check}: ${found[check]}`);
    }
  } finally {
    await worker.stop();
    await disposeApp(app);
  }
});

test("tq doctor finds each planted problem, says what to do, and exits 1", async () => {
  const app = testApp("doctor_sick");
  app.task("known", () => null);
  const schema = app.config.schema;
  const sql = dbClient();
  try {
    await app.migrate();
    // A live worker (by its heartbeat) on "default" that has only the task "known". A row, not a
    // process: a real worker would sweep the overdue lease and vacuum the dead rows planted below.
    await sql.unsafe(`insert into "${schema}".workers (id, app, host, pid, queues, concurrency, tasks)
                      values ('here:2:live', 'here', 'here', 2, '{default}', 1, '{known}')`);
    // A worker that stopped an hour ago still holds a job whose lease has not run out...
    await sql.unsafe(`insert into "${schema}".workers (id, app, host, pid, queues, concurrency, tasks, started_at, heartbeat_at)
                      values ('gone:1:dead', 'gone', 'gone', 1, '{default}', 1, '{known}', now() - interval '2 hours', now() - interval '1 hour')`);
    const [held, overdue] = await app.sendMany("known", [[], []], { queue: "elsewhere" });
    await sql.unsafe(`update "${schema}".jobs set state = 'running', worker = 'gone:1:dead', attempt = 1, lease_until = now() + interval '1 hour' where id = $1`, [held.id]);
    // ...and one whose lease ran out ten minutes ago, with no worker sweeping it.
    await sql.unsafe(`update "${schema}".jobs set state = 'running', worker = 'gone:1:dead', attempt = 1, lease_until = now() - interval '10 minutes' where id = $1`, [overdue.id]);
    // A queue nobody consumes, and a task the live worker does not have.
    await app.sendTask("known", [], { queue: "orphans" });
    await app.sendTask("ghost", [], { queue: "default" });
    // Schema drift: an index dropped by hand.
    await sql.unsafe(`drop index "${schema}".jobs_lease`);
    // 15,000 dead rows in results, counted by the server's statistics.
    await sql.unsafe(`insert into "${schema}".results (id, state, task, expires_at)
                      select gen_random_uuid(), 'SUCCESS', 'filler', now() + interval '1 day' from generate_series(1, 15000)`);
    await sql.unsafe(`delete from "${schema}".results where task = 'filler'`);
    await sql.unsafe(`select pg_stat_force_next_flush()`);
    await eventually(async () => {
      const [{ dead }] = await sql.unsafe(`select n_dead_tup::int as dead from pg_stat_user_tables where schemaname = $1 and relname = 'results'`, [schema]);
      return dead >= 15_000;
    }, 10_000, "the dead rows in the statistics");

    // A pool of 1,000 connections per process cannot fit the server.
    const { code, report, stderr } = await doctor(app, { TQ_POOL_SIZE: "1000" });
    assert.equal(code, 1, stderr);
    assert.equal(report.needsAction, true);
    const finding = (check: string, pattern: RegExp) => {
      const hit = report.findings.find((f) => f.check === check && pattern.test(`${f.message} ${f.action ?? ""}`));
      assert.ok(hit, `no ${check} finding matching ${pattern}: ${JSON.stringify(report.findings.filter((f) => f.check === check))}`);
      return hit;
    };
    assert.equal(finding("drift", /jobs_lease/).level, "fail");
    assert.equal(finding("dead-workers", /gone:1:dead .* holds 2 running job/).level, "warn");
    assert.equal(finding("overdue-leases", /1 running job\(s\) passed their lease/).level, "fail");
    assert.equal(finding("no-consumer", /Queue "orphans" holds 1 job/).level, "warn");
    assert.equal(finding("unregistered", /task "ghost" wait in queue "default"/).level, "warn");
    assert.equal(finding("bloat", /Table results has \d+ dead rows/).level, "warn");
    assert.equal(finding("connections", /poolSize 1000/).level, "fail");
    assert.ok(report.findings.every((f) => f.level === "ok" || f.level === "note" || f.action), "every finding that needs action says what to do");

    // A clock five seconds ahead of the database's (the host's clock, as the library sees it).
    const skewed = await diagnose(app, { localNow: () => Date.now() + 5_000 });
    const clock = skewed.findings.find((f) => f.check === "clock")!;
    assert.equal(clock.level, "warn");
    assert.match(clock.message, /ahead of the database's/);

    // A schema behind this tq: the migration row of the newest one gone.
    await sql.unsafe(`delete from "${schema}".migrations where version = (select max(version) from "${schema}".migrations)`);
    const behind = await doctor(app);
    assert.ok(behind.report, behind.stderr);
    assert.match(behind.report.findings.find((f) => f.check === "schema")!.action ?? "", /tq migrate/);
  } finally {
    await sql.end();
    await disposeApp(app);
  }
});

test("tq doctor where tq is not installed: says so, exits 6, and creates nothing", async () => {
  const app = testApp("doctor_none");
  const sql = dbClient();
  try {
    const { code, report } = await doctor(app);
    assert.equal(code, 6);
    assert.deepEqual(report.findings.map((f) => [f.check, f.level]), [["schema", "fail"]]);
    assert.match(report.findings[0].action!, /tq migrate/);
    const [{ n }] = await sql.unsafe(`select count(*)::int as n from pg_namespace where nspname = $1`, [app.config.schema]);
    assert.equal(n, 0, "no schema was created");
  } finally {
    await sql.end();
    await disposeApp(app);
  }
});
