/**
 * Least-privilege roles (`tq migrate --roles`, docs/security.md): each role
 * does its job through tq, and every statement outside it fails with
 * SQLSTATE 42501 (insufficient privilege). Real logins on the real server,
 * each a member of one role.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import postgres from "postgres";
import { App, Worker } from "../mod.ts";
import { scriptCommand } from "../core/runtime.ts";
import { CLI, DATABASE_URL, dbClient, dropSchema, execToEnd, needsServer, uniqueSchema } from "./_helpers.ts";

type Kind = "producer" | "worker" | "inspector";

/** DATABASE_URL with `user` as the login (the test server trusts local logins). */
function urlAs(user: string): string {
  const url = new URL(DATABASE_URL);
  url.username = user;
  url.password = "";
  return url.toString();
}

/** The SQLSTATE a statement fails with, or "ok". */
async function outcome(sql: postgres.Sql, statement: string): Promise<string> {
  try {
    await sql.unsafe(statement);
    return "ok";
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

test("tq migrate --roles: producer, worker and inspector each work through tq, and every statement outside their role fails with 42501", needsServer("the embedded database is one superuser session: it has no roles to refuse a statement"), async () => {
  const schema = uniqueSchema("roles");
  const admin = dbClient();
  const logins: Record<Kind, string> = { producer: `${schema}_as_producer`, worker: `${schema}_as_worker`, inspector: `${schema}_as_inspector` };
  const clients: postgres.Sql[] = [];
  const apps: App[] = [];
  let worker: Worker | undefined;
  try {
    const made = await execToEnd([...scriptCommand(CLI), "migrate", "--roles", "--json"], { TQ_SCHEMA: schema });
    assert.equal(made.code, 0, made.stderr);
    const roles = JSON.parse(made.stdout).roles as Record<Kind, string>;
    assert.deepEqual(roles, { producer: `${schema}_producer`, worker: `${schema}_worker`, inspector: `${schema}_inspector` });
    // Again, as after a later migration: it refreshes the grants and fails on nothing.
    assert.equal((await execToEnd([...scriptCommand(CLI), "migrate", "--roles"], { TQ_SCHEMA: schema })).code, 0);
    for (const kind of ["producer", "worker", "inspector"] as const) {
      await admin.unsafe(`create role "${logins[kind]}" login in role "${roles[kind]}"`);
    }
    const appAs = (kind: Kind) => {
      const app = new App({ databaseUrl: urlAs(logins[kind]), schema, migrate: false, logLevel: "silent", pollInterval: 100 });
      apps.push(app);
      return app;
    };
    const sqlAs = (kind: Kind) => {
      const sql = postgres(urlAs(logins[kind]), { max: 1, onnotice: () => {} });
      clients.push(sql);
      return sql;
    };

    // What each role is for, done through tq.
    const producer = appAs("producer");
    const sent = await producer.sendTask("add", [2, 3]);
    const unique = await producer.sendTask("add", [1, 1], { uniqueKey: "once" });
    assert.equal((await producer.sendTask("add", [1, 1], { uniqueKey: "once" })).id, unique.id);
    const throttled = await producer.sendTask("add", [4, 4], { throttle: { key: "t", per: "1m" } });
    const debounced = await producer.sendTask("add", [5, 5], { debounce: { key: "d", delay: 50 } });
    assert.equal((await producer.sendTask("add", [6, 6], { debounce: { key: "d", delay: 50 } })).id, debounced.id);
    const workerApp = appAs("worker");
    workerApp.task("add", (a: number, b: number) => a + b);
    worker = new Worker(workerApp, { concurrency: 2 });
    await worker.start();
    assert.equal(await sent.get({ timeout: 15_000 }), 5, "the producer reads the result the worker stored");
    assert.equal(await throttled.get({ timeout: 15_000 }), 8);
    assert.equal(await debounced.get({ timeout: 15_000 }), 12, "the debounce moved the waiting job");
    const inspector = appAs("inspector");
    assert.ok((await inspector.inspect.queues()).some((q) => q.queue === "default"));
    assert.equal((await inspector.inspect.workers()).filter((w) => w.alive).length, 1);

    // Outside each role: refused by the server.
    const everyone = [
      `create table "${schema}".extra (a int)`,
      `drop table "${schema}".jobs`,
      `truncate "${schema}".results`,
      `alter table "${schema}".jobs add column extra int`,
      `create index on "${schema}".jobs (queue)`,
    ];
    const forbidden: Record<Kind, string[]> = {
      producer: [
        ...everyone,
        `update "${schema}".jobs set state = 'running'`,
        `delete from "${schema}".jobs`,
        `update "${schema}".results set state = 'FAILURE'`,
        `delete from "${schema}".results`,
        `insert into "${schema}".workers (id, app, host, pid, queues, concurrency, tasks) values ('x', 'x', 'x', 1, '{}', 1, '{}')`,
        `update "${schema}".migrations set name = 'x'`,
        `select * from "${schema}".workers`,
        // Replay records of signed messages (migration 16): a producer could make a copy look new.
        `delete from "${schema}".signed_runs`,
        `select * from "${schema}".signed_runs`,
      ],
      worker: [...everyone, `drop schema "${schema}" cascade`, `update "${schema}".migrations set name = 'x'`, `delete from "${schema}".migrations`],
      inspector: [
        ...everyone,
        `insert into "${schema}".jobs (id, queue, priority, message) values (gen_random_uuid(), 'q', 5, '{}')`,
        `update "${schema}".jobs set priority = 9`,
        `delete from "${schema}".results`,
        `update "${schema}".workers set concurrency = 1`,
        `delete from "${schema}".pauses`,
      ],
    };
    const allowed: Record<Kind, string[]> = {
      producer: [`select count(*) from "${schema}".results`, `select count(*) from "${schema}".jobs`],
      worker: [`select count(*) from "${schema}".workers`, `delete from "${schema}".events where false`, `update "${schema}".jobs set priority = priority where false`],
      inspector: [`select count(*) from "${schema}".jobs`, `select count(*) from "${schema}".workers`, `select count(*) from "${schema}".results`],
    };
    for (const kind of ["producer", "worker", "inspector"] as const) {
      const sql = sqlAs(kind);
      for (const statement of forbidden[kind]) assert.equal(await outcome(sql, statement), "42501", `${kind}: ${statement}`);
      for (const statement of allowed[kind]) assert.equal(await outcome(sql, statement), "ok", `${kind}: ${statement}`);
    }
  } finally {
    await worker?.stop();
    for (const app of apps) await app.close();
    for (const sql of clients) await sql.end();
    await dropSchema(schema);
    for (const login of Object.values(logins)) await admin.unsafe(`drop role if exists "${login}"`);
    for (const kind of ["producer", "worker", "inspector"]) {
      const role = `${schema}_${kind}`;
      const [{ exists }] = await admin.unsafe(`select exists (select 1 from pg_roles where rolname = $1) as exists`, [role]);
      if (exists) await admin.unsafe(`drop owned by "${role}"; drop role "${role}"`);
    }
    await admin.end();
  }
});
