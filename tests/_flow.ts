/**
 * What the flow-control tests share (tests/flow_control.test.ts,
 * tests/groups.test.ts): worker processes on the fixture tasks of
 * fixtures/flow_tasks.ts in a fresh schema, and what ran, read from the
 * database (the runs table those tasks write, and the jobs table).
 */
import { fileURLToPath } from "node:url";
import type { App } from "../mod.ts";
import { type CliProcess, dbClient, dropSchema, producerApp, runCli, uniqueSchema } from "./_helpers.ts";

export const FLOW_TASKS = fileURLToPath(new URL("./fixtures/flow_tasks.ts", import.meta.url));

/** A `tq worker` process on the flow fixtures, consuming `queues`, started and consuming. */
export async function flowWorker(schema: string, queues: string, concurrency = 10): Promise<CliProcess> {
  const worker = runCli(["worker", "-A", FLOW_TASKS, "-Q", queues, "-c", String(concurrency), "--log-level", "info"], {
    TQ_SCHEMA: schema,
    TQ_LEASE: "3s",
    TQ_HEARTBEAT: "",
    TQ_MAINTENANCE_INTERVAL: "",
    TQ_POLL_INTERVAL: "100",
  });
  await worker.waitFor(/consuming/);
  return worker;
}

export async function stopAll(workers: CliProcess[]): Promise<void> {
  for (const worker of workers) if (worker.running()) worker.kill("SIGTERM");
  await Promise.all(workers.map((worker) => worker.exited));
}

export type Sql = ReturnType<typeof dbClient>;

export interface Scene {
  schema: string;
  app: App;
  sql: Sql;
  workers: CliProcess[];
}

/** A fresh schema with 3 worker processes on `queues`, torn down (workers stopped, schema dropped) after `body`. */
export async function withWorkers(prefix: string, queues: string, concurrency: number, body: (scene: Scene) => Promise<void>): Promise<void> {
  const schema = uniqueSchema(prefix);
  const app = await producerApp(schema);
  const sql = dbClient();
  const workers: CliProcess[] = [];
  try {
    for (let i = 0; i < 3; i++) workers.push(await flowWorker(schema, queues, concurrency));
    await body({ schema, app, sql, workers });
  } finally {
    await stopAll(workers);
    await sql.end();
    await app.close();
    await dropSchema(schema);
  }
}

/** Samples, every 25 ms until stopped, how many jobs of `task` workers hold (claimed or running); resolves to the most seen. */
export function sampleHeld(sql: Sql, schema: string, column: "task" | "queue", name: string): { stop: () => Promise<number> } {
  let stopped = false;
  let most = 0;
  const filter = column === "task" ? "message->>'task' = $1" : "queue = $1";
  const done = (async () => {
    while (!stopped) {
      const [{ n }] = await sql.unsafe(`select count(*)::int as n from "${schema}".jobs where state = 'running' and ${filter}`, [name]);
      most = Math.max(most, n);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  })();
  return { stop: async () => ((stopped = true), await done, most) };
}

/** The most runs of `task` that overlapped in time, from their recorded starts and ends. */
export async function mostAtOnce(sql: Sql, schema: string, task: string): Promise<number> {
  return (await mostAtOnceByGroup(sql, schema, task, false))[""] ?? 0;
}

/**
 * The most runs of `task` that overlapped in time within each group its
 * runs recorded (all together under "" when `byGroup` is false).
 */
export async function mostAtOnceByGroup(sql: Sql, schema: string, task: string, byGroup = true): Promise<Record<string, number>> {
  const rows = await sql.unsafe(`
    with spans as (
      select s.job_id, case when $2 then coalesce(s.grp, '') else '' end as grp, s.at as started, min(e.at) as ended
      from "${schema}".runs s
      join "${schema}".runs e on e.job_id = s.job_id and e.label = 'end' and e.at >= s.at
      where s.label = 'start' and s.job_id in (select id from "${schema}".results where task = $1)
      group by s.job_id, s.grp, s.at
    )
    select s.grp, max((select count(*) from spans o where o.grp = s.grp and o.started <= s.started and o.ended > s.started))::int as most
    from spans s group by s.grp`, [task, byGroup]);
  return Object.fromEntries(rows.map((r) => [r.grp, r.most]));
}

export async function ended(sql: Sql, schema: string, task: string): Promise<number> {
  const [{ n }] = await sql.unsafe(`
    select count(distinct r.job_id)::int as n from "${schema}".runs r
    join "${schema}".results x on x.id = r.job_id and x.state = 'SUCCESS' and x.task = $1
    where r.label = 'end'`, [task]);
  return n;
}
