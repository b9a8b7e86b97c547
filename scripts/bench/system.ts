/**
 * What the benchmark needs from a job queue: the same workloads run against
 * tq, the floor (a minimal SKIP LOCKED loop) and the peers, each behind this
 * interface, each with its worker in a process of its own.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";

export const DATABASE_URL = process.env.TQ_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The value given after `--name` on the command line, if any. */
export function flag(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index > 0 ? process.argv[index + 1] : undefined;
}

/** Resident set size of a process, in MB (Linux). */
export function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) / 1024 : NaN;
}

/** A worker process of a system under test. */
export interface BenchWorker {
  pid: number;
  /** SIGTERM, then resolves when the process has exited. */
  stop(): Promise<void>;
}

export interface BenchSystem {
  /** Shown in the table: "tq", "floor(batch 10)", "graphile-worker (local queue)", ... */
  name: string;
  /** Fresh, empty state of its own (a schema or tables no other run uses). */
  setup(): Promise<void>;
  /** Stores `n` no-op jobs with payload { i } through the system's bulk API, as fast as it allows. */
  enqueueBulk(n: number): Promise<void>;
  /** Stores one job and resolves once it is stored. A `stamp` job's handler reports when it starts. */
  enqueueOne(i: number, stamp: boolean): Promise<void>;
  /**
   * Starts one worker process at `concurrency` and resolves once it is ready
   * to take jobs. The worker prints a line `stamp <i> <Date.now()>` to stdout
   * when a stamp job's handler starts; `onStamp` receives them.
   */
  startWorker(concurrency: number, onStamp: (i: number, at: number) => void): Promise<BenchWorker>;
  /** Jobs stored and not yet finished. */
  pending(): Promise<number>;
  /** Drops what setup() created and closes connections. */
  teardown(): Promise<void>;
}

/**
 * Starts `command` with `env`, forwards stderr, parses `stamp` lines from
 * stdout, and resolves once a stdout line matches `ready`.
 */
export function spawnWorker(
  command: string[],
  env: Record<string, string>,
  ready: RegExp,
  onStamp: (i: number, at: number) => void,
): Promise<BenchWorker> {
  const [file, ...args] = command;
  const child = spawn(file, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    let buffered = "";
    let isReady = false;
    const timer = setTimeout(() => reject(new Error(`Worker ${command.join(" ")} was not ready within 30 s.`)), 30_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      let newline: number;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        const stamp = /^stamp (\d+) (\d+)/.exec(line);
        if (stamp) onStamp(Number(stamp[1]), Number(stamp[2]));
        else if (!isReady && ready.test(line)) {
          isReady = true;
          clearTimeout(timer);
          resolve({ pid: child.pid!, stop: () => (child.kill("SIGTERM"), exited) });
        }
      }
    });
    exited.then(() => {
      clearTimeout(timer);
      if (!isReady) reject(new Error(`Worker ${command.join(" ")} exited before it was ready.`));
    });
  });
}
