/**
 * Upgrades (docs/upgrading.md): which tq may use a schema, a breaking
 * migration waiting for older workers, and messages of a newer protocol
 * left for a worker that understands them. Every outcome is read from the
 * database. The rolling deploy with the previous release's code is
 * tests/rolling_upgrade.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import pkg from "../package.json" with { type: "json" };
import { MigrationBlocked, SchemaIncompatible, Worker } from "../mod.ts";
import { renderSql } from "../transports/postgres/_render.ts";
import { runMigrations } from "../transports/postgres/migrate.ts";
import { compatibilityOf } from "../scripts/gen_sql.ts";
import { exitCodeOf } from "../cli/errors.ts";
import { scriptCommand } from "../core/runtime.ts";
import { CLI, dbClient, disposeApp, execToEnd, FIXTURE_TASKS, testApp } from "./_helpers.ts";

const lit = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Runs `tq ARGS` from source to its end on `schema`. */
function tq(schema: string, args: string[]) {
  return execToEnd([...scriptCommand(CLI), ...args], { TQ_SCHEMA: schema });
}

test("a migration's first line says whether older code survives it, and an additive one may not drop, rename or retype", () => {
  assert.equal(compatibilityOf("0012_x.sql", 12, "-- compatibility: additive\nalter table t add column c int;\n"), "additive");
  assert.equal(compatibilityOf("0013_x.sql", 13, "-- compatibility: breaking\nalter table t drop column c;\n"), "breaking");
  assert.equal(compatibilityOf("0005_x.sql", 5, "create table t (c int);\n"), "additive", "migrations before 0012 predate the line");
  assert.throws(() => compatibilityOf("0013_x.sql", 13, "alter table t add column c int;\n"), /must begin with "-- compatibility: additive" or "-- compatibility: breaking"/);
  for (const change of ["alter table t drop column c", "drop table t", "alter table t rename column a to b", "alter table t alter column c type bigint", "alter table t alter column c set not null"]) {
    assert.throws(() => compatibilityOf("0013_x.sql", 13, `-- compatibility: additive\n${change};\n`), /says "additive" but contains/, change);
  }
  // Words in comments are not changes.
  assert.equal(compatibilityOf("0013_x.sql", 13, "-- compatibility: additive\n-- we never drop table t here\ncreate index i on t (c);\n"), "additive");
});

test("an older tq meeting a schema a newer tq changed incompatibly refuses, naming both versions, and changes nothing; a newer additive change is fine", async () => {
  const app = testApp("upgrade_newer");
  const schema = app.config.schema;
  const sql = dbClient();
  try {
    await app.migrate();
    await app.sendTask("record", ["waits"], { queue: "nobody" });
    // What a future tq leaves behind: an additive migration this tq can use...
    await sql.unsafe(`insert into "${schema}".migrations (version, name, breaking, tq_version) values (9998, 'future_additive', false, '9.8.0')`);
    const fine = await tq(schema, ["inspect", "queues", "--json"]);
    assert.equal(fine.code, 0, fine.stderr);

    // ...then a breaking one it cannot.
    await sql.unsafe(`insert into "${schema}".migrations (version, name, breaking, tq_version) values (9999, 'future_breaking', true, '9.9.0')`);
    const before = await sql.unsafe(`select (select count(*) from "${schema}".jobs)::int as jobs, (select count(*) from "${schema}".migrations)::int as migrations`);

    const worker = await tq(schema, ["worker", "-A", FIXTURE_TASKS]);
    assert.equal(worker.code, 7, worker.stdout + worker.stderr);
    assert.match(worker.stderr, new RegExp(`tq ${lit(pkg.version)} cannot use schema "${schema}": tq 9\\.9\\.0 migrated it to migration 9999`));
    assert.match(worker.stderr, /Run tq 9\.9\.0 or later here/);
    assert.doesNotMatch(worker.stderr, /\n\s+at /, "no stack trace");

    const inspect = await tq(schema, ["inspect", "queues", "--json"]);
    assert.equal(inspect.code, 7, inspect.stdout + inspect.stderr);
    assert.equal(JSON.parse(inspect.stdout).error.code, "SCHEMA_INCOMPATIBLE");

    const send = await tq(schema, ["call", "add", "1", "2", "-A", FIXTURE_TASKS]);
    assert.equal(send.code, 7, send.stderr);

    // The library says the same, by class.
    const producer = testApp("upgrade_newer_lib", { schema });
    await assert.rejects(producer.sendTask("add", [1, 2]), (e: unknown) => e instanceof SchemaIncompatible && !(e instanceof MigrationBlocked));
    await producer.close();

    const report = await tq(schema, ["report"]);
    assert.match(report.stdout, /cannot use schema/, "tq report says why instead of failing");

    const after = await sql.unsafe(`select (select count(*) from "${schema}".jobs)::int as jobs, (select count(*) from "${schema}".migrations)::int as migrations`);
    assert.deepEqual(after, before, "no job and no migration was written");
  } finally {
    await sql.end();
    await disposeApp(app);
  }
});

test("a breaking migration waits while a worker of older code is alive, says which, migrates nothing, and runs once they are gone", async () => {
  const app = testApp("upgrade_gate");
  const schema = app.config.schema;
  const sql = dbClient();
  // This tq's migrations plus a future breaking one.
  const rendered = renderSql(schema);
  const future = { version: 9999, name: "future_breaking", breaking: true, sql: `create table "${schema}".future_table (id int)` };
  const withFuture = { ...rendered, migrations: [...rendered.migrations, future] };
  const context = { schema, workerAliveMs: 10_000 };
  let worker: Worker | undefined;
  try {
    await app.migrate();
    // A worker as a tq before 0.2.0 registers it: no version recorded.
    await sql.unsafe(
      `insert into "${schema}".workers (id, app, host, pid, queues, concurrency, tasks) values ('oldhost:7:old', 'x', 'oldhost', 7, '{default}', 1, '{}')`,
    );
    // And a live worker of this tq, which does not know 9999 either.
    worker = new Worker(app, { queues: ["default"] });
    await worker.start();

    await assert.rejects(runMigrations(sql, withFuture, context), (e: unknown) => {
      assert.ok(e instanceof MigrationBlocked, String(e));
      assert.match(e.message, /must apply migration 9999 \("future_breaking"\)/);
      assert.match(e.message, /2 of them are alive: oldhost:7:old \(a tq before 0\.2\.0, pid 7 on oldhost\)/);
      assert.match(e.message, new RegExp(`${lit(worker!.id)} \\(tq ${lit(pkg.version)}, pid \\d+ on `));
      assert.match(e.message, /Nothing was migrated/);
      return true;
    });
    const [{ exists }] = await sql.unsafe(`select to_regclass('"${schema}".future_table') is not null as exists`);
    assert.equal(exists, false, "the migration did not run");

    // The CLI's exit code for it.
    assert.equal(exitCodeOf(new MigrationBlocked("x")), 7);

    // The deploy replaces them: this tq's worker stops (its row goes), the old one's heartbeat ages.
    await worker.stop({ graceMs: 1_000 });
    worker = undefined;
    await sql.unsafe(`update "${schema}".workers set heartbeat_at = now() - interval '1 minute'`);
    assert.equal(await runMigrations(sql, withFuture, context), 1);
    const [recorded] = await sql.unsafe(`select breaking, tq_version from "${schema}".migrations where version = 9999`);
    assert.deepEqual({ ...recorded }, { breaking: true, tq_version: pkg.version });
    // This tq's own code (which knows up to its last migration) now refuses the schema.
    await assert.rejects(runMigrations(sql, rendered, context), (e: unknown) => e instanceof SchemaIncompatible);
  } finally {
    await worker?.stop({ graceMs: 1_000 });
    await sql.end();
    await disposeApp(app);
  }
});

test("a worker leaves a message of a newer protocol queued, untouched, for a worker that understands it, and tq inspect why says so", async () => {
  const app = testApp("upgrade_protocol");
  const schema = app.config.schema;
  const sql = dbClient();
  let worker: Worker | undefined;
  try {
    app.task("add", (a: number, b: number) => a + b);
    await app.migrate();
    const newer = await app.sendTask("add", [1, 2]);
    const current = await app.sendTask("add", [3, 4]);
    await sql.unsafe(`update "${schema}".jobs set message = jsonb_set(message, '{v}', '2') where id = $1`, [newer.id]);

    worker = new Worker(app, { queues: ["default"] });
    await worker.start();
    assert.equal(await current.get({ timeout: 20_000 }), 7, "the job sent after it runs");
    // A few more claim rounds pass it by.
    await new Promise((r) => setTimeout(r, 600));
    const [row] = await sql.unsafe(`select state, attempt, worker, errors from "${schema}".jobs where id = $1`, [newer.id]);
    assert.deepEqual({ ...row }, { state: "queued", attempt: 0, worker: null, errors: [] }, "never claimed, never failed");
    const [{ results }] = await sql.unsafe(`select count(*)::int as results from "${schema}".results where id = $1`, [newer.id]);
    assert.equal(results, 0);

    const why = await tq(schema, ["inspect", "why", newer.id, "--json"]);
    assert.equal(why.code, 0, why.stderr);
    const reasons: { code: string; message: string }[] = JSON.parse(why.stdout).reasons;
    const reason = reasons.find((r) => r.code === "newer-protocol");
    assert.ok(reason, why.stdout);
    assert.match(reason.message, /protocol 2, newer than any live worker consuming "default" understands/);
  } finally {
    await worker?.stop({ graceMs: 1_000 });
    await sql.end();
    await disposeApp(app);
  }
});
