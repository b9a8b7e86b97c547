/**
 * Test helpers: an app on a schema of its own, a plain postgres.js client for
 * checking the database (test-only SQL), and worker processes started
 * through the real CLI.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { App, type AppOptions } from "../mod.ts";
import { scriptCommand } from "../core/runtime.ts";

export const DATABASE_URL = process.env.TQ_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const CLI = fileURLToPath(new URL("../cli/main.ts", import.meta.url));
export const FIXTURE_TASKS = fileURLToPath(new URL("./fixtures/tasks.ts", import.meta.url));

/** A schema name unique to one test. */
export function uniqueSchema(prefix: string): string {
  return `t_${prefix}_${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
}

/**
 * True when the suite runs on the embedded database (scripts/test.sh starts
 * one when TQ_TEST_DATABASE_URL is not set).
 */
export const EMBEDDED = process.env.TQ_TEST_EMBEDDED === "1";

/**
 * Test options that skip a test on the embedded database, saying why: for
 * tests of what PGlite's one-session socket cannot do (advisory locks between
 * sessions, NOTIFY delivery, killing a backend, load).
 */
export function needsServer(reason: string): { skip: string | false } {
  return { skip: EMBEDDED ? `needs a PostgreSQL server: ${reason}` : false };
}

/**
 * A postgres.js client for assertions; end it in the test's cleanup. Its
 * parameterised `unsafe` statements are named (prepared): the embedded
 * database's socket interleaves clients' unnamed ones.
 */
export function dbClient() {
  const sql = postgres(DATABASE_URL, { max: 4, onnotice: () => {} });
  const unsafe = sql.unsafe.bind(sql);
  // deno-lint-ignore no-explicit-any
  (sql as any).unsafe = (query: string, args?: any[], options: Record<string, unknown> = {}) =>
    args && args.length ? unsafe(query, args, { prepare: true, ...options }) : unsafe(query, args, options);
  return sql;
}

/** Drops a test's schema (and everything in it). */
export async function dropSchema(schema: string): Promise<void> {
  const sql = dbClient();
  try {
    await sql.unsafe(`drop schema if exists "${schema}" cascade`);
  } finally {
    await sql.end();
  }
}

/** An app on a fresh schema, quiet, with short timings for tests. */
export function testApp(prefix: string, options: AppOptions = {}): App {
  return new App({
    // Unique, so a test that ends its own sessions by application_name never
    // meets another run of itself (the runtimes run side by side).
    name: `${prefix}_${crypto.randomUUID().slice(0, 6)}`,
    databaseUrl: DATABASE_URL,
    schema: uniqueSchema(prefix),
    logLevel: "silent",
    pollInterval: 200,
    ...options,
  });
}

/** A sending app for the worker processes on `schema`, migrated, with the fixture tasks' runs table in place. */
export async function producerApp(schema: string): Promise<App> {
  const app = new App({ databaseUrl: DATABASE_URL, schema, logLevel: "silent", pollInterval: 100 });
  await app.migrate();
  const sql = dbClient();
  await sql.unsafe(`create table if not exists "${schema}".runs (job_id uuid not null, label text, pid integer, grp text, at timestamptz default clock_timestamp())`);
  await sql.end();
  return app;
}

/** Closes the app and drops its schema. */
export async function disposeApp(app: App): Promise<void> {
  await app.close();
  await dropSchema(app.config.schema);
}

export interface CliProcess {
  pid: number;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves when the output matches `pattern`; rejects after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code, or the signal's name when a signal ended it. */
  exited: Promise<number | string>;
  /** True until the process has exited. */
  running(): boolean;
  kill(signal: "SIGTERM" | "SIGINT" | "SIGKILL"): void;
}

interface Spawned {
  pid: number;
  exited: Promise<number | string>;
  kill(signal: "SIGTERM" | "SIGINT" | "SIGKILL"): void;
}

// deno-lint-ignore no-explicit-any
const Deno = (globalThis as any).Deno;

/**
 * Starts a process and streams its output to `onData`. Deno's node:child_process
 * reports the last signal sent instead of the real exit code, so on Deno the
 * native API is used to read true exit codes.
 */
function spawnProcess(command: string, args: string[], env: Record<string, string>, onData: (text: string) => void, cwd = ROOT): Spawned {
  if (Deno) {
    const child = new Deno.Command(command, { args, cwd, env, clearEnv: true, stdin: "null", stdout: "piped", stderr: "piped" }).spawn();
    const decoder = new TextDecoder();
    const sink = () => new WritableStream<Uint8Array>({ write: (chunk) => onData(decoder.decode(chunk)) });
    const piped = Promise.all([child.stdout.pipeTo(sink()), child.stderr.pipeTo(sink())]);
    return {
      pid: child.pid,
      exited: child.status.then(async (status: { code: number; signal: string | null }) => {
        await piped.catch(() => {});
        return status.signal ?? status.code;
      }),
      kill: (signal) => {
        try {
          child.kill(signal);
        } catch {
          // Already gone.
        }
      },
    };
  }
  const child: ChildProcess = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (chunk: Buffer) => onData(chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => onData(chunk.toString()));
  return {
    pid: child.pid!,
    exited: new Promise((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal ?? -1))),
    kill: (signal) => void child.kill(signal),
  };
}

/** Runs `tq ARGS...` from source on the current runtime. */
export function runCli(args: string[], env: Record<string, string> = {}): CliProcess {
  const [command, ...prefix] = scriptCommand(CLI);
  return runCommand(command, [...prefix, ...args], { env });
}

/** Runs any program (a compiled tq binary, say) with TQ_DATABASE_URL set, in `cwd` (the repository by default). */
export function runCommand(command: string, args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): CliProcess {
  let text = "";
  const listeners = new Set<() => void>();
  const fullEnv = { ...process.env, TQ_DATABASE_URL: DATABASE_URL, ...options.env } as Record<string, string>;
  const spawned = spawnProcess(command, args, fullEnv, (chunk) => {
    text += chunk;
    for (const listener of listeners) listener();
  }, options.cwd);
  let done = false;
  const exited = spawned.exited.then((code) => ((done = true), code));
  return {
    pid: spawned.pid,
    output: () => text,
    exited,
    running: () => !done,
    kill: spawned.kill,
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(text)) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`Timed out waiting for ${pattern} in output:\n${text}`));
        }, timeoutMs);
        listeners.add(check);
        exited.then(() => {
          if (!pattern.test(text)) {
            listeners.delete(check);
            clearTimeout(timer);
            reject(new Error(`Process exited before ${pattern} appeared:\n${text}`));
          }
        });
        check();
      });
    },
  };
}

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end with TQ_DATABASE_URL set, keeping stdout apart from stderr. */
export async function execToEnd(command: string[], env: Record<string, string> = {}, cwd = ROOT): Promise<Ran> {
  const fullEnv = { ...process.env, TQ_DATABASE_URL: DATABASE_URL, NO_COLOR: "1", ...env } as Record<string, string>;
  const [program, ...args] = command;
  if (Deno) {
    // Deno's node:child_process may misreport exit codes (see tests/_helpers.ts).
    const done = await new Deno.Command(program, { args, cwd, env: fullEnv, clearEnv: true, stdin: "null" }).output();
    const text = new TextDecoder();
    return { code: done.code, stdout: text.decode(done.stdout), stderr: text.decode(done.stderr) };
  }
  const child = spawn(program, args, { cwd, env: fullEnv, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number>((resolve) => child.on("close", (c) => resolve(c ?? -1)));
  return { code, stdout, stderr };
}

/** Starts `tq worker` on the fixture tasks for `schema` and waits until it consumes. */
export async function startWorker(schema: string, args: string[] = [], env: Record<string, string> = {}): Promise<CliProcess> {
  const worker = runCli(["worker", "-A", FIXTURE_TASKS, "--log-level", "info", ...args], { TQ_SCHEMA: schema, ...env });
  await worker.waitFor(/consuming/);
  return worker;
}

/** Polls `check` until it returns true; fails after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 20_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
}
