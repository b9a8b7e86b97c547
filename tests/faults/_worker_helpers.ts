/**
 * Shared setup for the worker fault tests: a schema with a producer app and a
 * checking client, worker processes on the fault fixture tasks that are always
 * stopped at the end (even a stopped or failing test), reads of the jobs,
 * results and runs tables, and a TCP server that never answers.
 */
import { readFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import process from "node:process";
import { fileURLToPath } from "node:url";
import type { App } from "../../mod.ts";
import { type CliProcess, dbClient, dropSchema, producerApp, runCli, uniqueSchema } from "../_helpers.ts";

export const FAULT_TASKS = fileURLToPath(new URL("../fixtures/fault_tasks.ts", import.meta.url));
export const DEPLOY_OLD = fileURLToPath(new URL("../fixtures/deploy_old.ts", import.meta.url));

/** Timings short enough for a lost lease to be noticed within a few seconds. */
export const SHORT_LEASE = { TQ_LEASE: "2000", TQ_HEARTBEAT: "400", TQ_MAINTENANCE_INTERVAL: "300", TQ_POLL_INTERVAL: "200" };

export type Sql = ReturnType<typeof dbClient>;
// deno-lint-ignore no-explicit-any
export type Row = Record<string, any>;

export interface Scenario {
  schema: string;
  /** A producer that knows no tasks: it sends by name. */
  app: App;
  sql: Sql;
  /** Starts `tq worker -A <module>` on this schema and waits until it consumes; stopped at the end of the test. */
  worker(args?: string[], env?: Record<string, string>, module?: string): Promise<CliProcess>;
  /** Any other process to stop at the end of the test. */
  track(process: CliProcess): CliProcess;
}

/**
 * Runs `body` on a fresh schema, then kills (SIGCONT, then SIGKILL) and awaits
 * every process it started, ends the client and drops the schema, whether
 * the body passed or not.
 */
export async function withScenario(prefix: string, body: (scenario: Scenario) => Promise<void>): Promise<void> {
  const schema = uniqueSchema(prefix);
  const app = await producerApp(schema);
  const sql = dbClient();
  const processes: CliProcess[] = [];
  const track = (spawned: CliProcess) => (processes.push(spawned), spawned);
  const scenario: Scenario = {
    schema,
    app,
    sql,
    track,
    async worker(args = [], env = {}, module = FAULT_TASKS) {
      const worker = track(runCli(["worker", "-A", module, "--log-level", "info", ...args], { TQ_SCHEMA: schema, ...env }));
      await worker.waitFor(/consuming/);
      return worker;
    },
  };
  try {
    await body(scenario);
  } finally {
    for (const spawned of processes) {
      if (spawned.running()) {
        signal(spawned.pid, "SIGCONT");
        spawned.kill("SIGKILL");
      }
      await spawned.exited;
    }
    await sql.end();
    await app.close();
    await dropSchema(schema);
  }
}

/** Sends any signal (SIGSTOP and SIGCONT included) to `pid`; a process already gone is ignored. */
export function signal(pid: number, name: "SIGSTOP" | "SIGCONT" | "SIGTERM" | "SIGINT" | "SIGKILL"): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/** True while `pid` is a live process (a zombie waiting to be reaped counts as gone). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(" ")[2] !== "Z";
  } catch {
    return true;
  }
}

/** The exit of `spawned` and how long after `since` (performance.now()) it came. */
export async function exitOf(spawned: CliProcess, since: number): Promise<{ code: number | string; ms: number }> {
  const code = await spawned.exited;
  return { code, ms: performance.now() - since };
}

/** The job's row in the hot table as an object (every column, new ones too), or undefined once it left. */
export async function jobRow(sql: Sql, schema: string, id: string): Promise<Row | undefined> {
  const [row] = await sql.unsafe(`select to_jsonb(j) as row from "${schema}".jobs j where id = $1`, [id]);
  return row?.row;
}

/** The job's results row as an object (every column), or undefined. */
export async function resultRow(sql: Sql, schema: string, id: string): Promise<Row | undefined> {
  const [row] = await sql.unsafe(`select to_jsonb(r) as row from "${schema}".results r where id = $1`, [id]);
  return row?.row;
}

/** The labels the job recorded, oldest first, with the pid that recorded each. */
export async function runsOf(sql: Sql, schema: string, id: string): Promise<{ label: string; pid: number }[]> {
  return (await sql.unsafe(`select label, pid from "${schema}".runs where job_id = $1 order by at`, [id])).map((r) => ({ label: r.label, pid: r.pid }));
}

/** How many rows of `runs` match `where` (SQL on columns job_id, label, pid, at). */
export async function countRuns(sql: Sql, schema: string, where: string, args: unknown[] = []): Promise<number> {
  const [{ n }] = await sql.unsafe(`select count(*)::int as n from "${schema}".runs where ${where}`, args as never[]);
  return n;
}

/** The database's clock now: to compare with times the database recorded. */
export async function dbNow(sql: Sql): Promise<Date> {
  const [{ now }] = await sql.unsafe(`select clock_timestamp() as now`);
  return now;
}

/** A worker id names its process: `host:pid:suffix`. */
export function isWorkerOf(workerId: unknown, pid: number): boolean {
  return typeof workerId === "string" && workerId.split(":")[1] === String(pid);
}

/** The lines of `output` that log task `id` as a success. */
export function successLines(output: string, id: string): string[] {
  return output.split("\n").filter((line) => line.includes(`[${id}] success`));
}

/**
 * A TCP server on 127.0.0.1 that accepts connections and never answers: a
 * database that is reachable but never replies. `connections` counts accepted
 * sockets; `close()` drops them and stops listening.
 */
export async function silentServer(): Promise<{ port: number; connections(): number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    connections: () => accepted,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port on 127.0.0.1 where nothing listens (connections are refused). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
