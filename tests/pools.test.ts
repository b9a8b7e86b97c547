/**
 * The threads and process pools on their own, without a database: results
 * come back, a spinning handler is killed and replaced, aborts and progress
 * cross the boundary, crashes are survived, bad modules are reported, and
 * nothing is left running after close().
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { SoftTimeLimitExceeded, TimeLimitExceeded } from "../core/errors.ts";
import type { Logger } from "../core/logger.ts";
import { buildMessage } from "../core/sending.ts";
import type { HandlerResult } from "../core/worker/invoke.ts";
import { createPool } from "../core/worker/pool/mod.ts";
import type { HandlerPool, PoolKind } from "../core/worker/pool/pool.ts";
import { runtimeName } from "../core/runtime.ts";
import { app } from "./fixtures/pool_tasks.ts";

const POOL_TASKS = fileURLToPath(new URL("./fixtures/pool_tasks.ts", import.meta.url));

/** A logger that keeps what it is given, for the assertions. */
function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, log: (level, message) => void lines.push(`${level} ${message}`) };
}

async function startPool(kind: PoolKind, concurrency = 1, logger: Logger = memoryLogger()): Promise<HandlerPool> {
  const pool = createPool(kind, { registry: app.registry, concurrency, appModule: POOL_TASKS, logger });
  await pool.start();
  return pool;
}

interface Run {
  jobId: string;
  controller: AbortController;
  progress: unknown[];
  result: Promise<HandlerResult>;
}

function run(pool: HandlerPool, task: string, args: unknown[] = []): Run {
  const message = buildMessage(task, args, {}, undefined, { defaultQueue: "default", clock: 0 });
  const controller = new AbortController();
  const progress: unknown[] = [];
  const hooks = { signal: controller.signal, progress: (meta: unknown) => Promise.resolve(void progress.push(meta)) };
  return { jobId: message.id, controller, progress, result: pool.run({ jobId: message.id, attempt: 1, message }, hooks) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Rejects if `promise` takes longer than `ms`, so a hang fails the test instead of stalling it. */
function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const timeout = new Promise<never>((_, reject) => timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

for (const kind of ["process", "threads"] as const) {
  test(`${kind} pool: a handler's result comes back from the child`, async () => {
    const pool = await startPool(kind);
    try {
      assert.deepEqual(await run(pool, "echo", [1, "two", { three: 3 }]).result, { kind: "success", value: [1, "two", { three: 3 }] });
    } finally {
      await pool.close();
    }
  });

  test(`${kind} pool: kill() stops a handler spinning in while(true) and a fresh child runs the next job`, async () => {
    const pool = await startPool(kind);
    try {
      const spinning = run(pool, "spin");
      await sleep(300);
      spinning.controller.abort(new TimeLimitExceeded("Task spin passed its hard time limit of 300 ms and was stopped."));
      assert.equal(pool.kill(spinning.jobId), true);
      const result = await within(2_000, spinning.result, "run() of the killed job");
      assert.equal(result.kind, "error");
      assert.equal(result.kind === "error" && result.error.type, "TimeLimitExceeded");
      assert.deepEqual(await within(30_000, run(pool, "echo", ["after"]).result, "the next job"), { kind: "success", value: ["after"] });
    } finally {
      await pool.close();
    }
  });

  test(`${kind} pool: aborting the signal reaches the handler with the same error class`, async () => {
    const pool = await startPool(kind);
    try {
      const waiting = run(pool, "softaware");
      await sleep(100);
      waiting.controller.abort(new SoftTimeLimitExceeded("Task softaware passed its soft time limit of 100 ms."));
      assert.deepEqual(await within(5_000, waiting.result, "the aborted handler"), {
        kind: "success",
        value: { name: "SoftTimeLimitExceeded", message: "Task softaware passed its soft time limit of 100 ms.", isSoftLimit: true },
      });
    } finally {
      await pool.close();
    }
  });

  test(`${kind} pool: progress from the handler reaches the worker's hook, in order`, async () => {
    const pool = await startPool(kind);
    try {
      const reporting = run(pool, "progress");
      assert.deepEqual(await reporting.result, { kind: "success", value: "done" });
      assert.deepEqual(reporting.progress, [{ step: 1 }, { step: 2 }]);
    } finally {
      await pool.close();
    }
  });

  test(`${kind} pool: start() rejects with an error naming a module that cannot be loaded`, async () => {
    const missing = fileURLToPath(new URL("./fixtures/no_such_tasks.ts", import.meta.url));
    const pool = createPool(kind, { registry: app.registry, concurrency: 2, appModule: missing, logger: memoryLogger() });
    await assert.rejects(within(30_000, pool.start(), "start()"), (error: Error) => {
      assert.equal(error.name, "ConfigError");
      assert.match(error.message, /no_such_tasks\.ts/);
      return true;
    });
    await pool.close();
  });

  test(`${kind} pool: jobs beyond the concurrency wait for a free child`, async () => {
    const pool = await startPool(kind, 2);
    try {
      const results = await Promise.all([0, 1, 2, 3, 4].map((i) => run(pool, "echo", [i]).result));
      assert.deepEqual(results.map((result) => result.kind === "success" && result.value), [[0], [1], [2], [3], [4]]);
    } finally {
      await pool.close();
    }
  });
}

test("process pool: a child that crashes reports its job lost (WorkerLost, retried like any crash), and the pool keeps serving", async () => {
  const logger = memoryLogger();
  const pool = await startPool("process", 1, logger);
  try {
    const result = await within(10_000, run(pool, "crash").result, "the crashed job");
    assert.equal(result.kind, "lost");
    assert.equal(result.kind === "lost" && result.error.type, "WorkerLost");
    assert.match(result.kind === "lost" ? result.error.message : "", /exited with code 3/);
    assert.ok(logger.lines.some((line) => line.startsWith("warn ") && line.includes("exited with code 3")), logger.lines.join("\n"));
    assert.deepEqual(await within(30_000, run(pool, "echo", ["still here"]).result, "the next job"), { kind: "success", value: ["still here"] });
  } finally {
    await pool.close();
  }
});

test("process pool: close() leaves no child process behind, even one spinning", async () => {
  const pool = await startPool("process", 2);
  const [first, second] = await Promise.all([run(pool, "pid", [200]).result, run(pool, "pid", [200]).result]);
  const pids = [first, second].map((result) => (result.kind === "success" ? result.value : 0) as number);
  assert.equal(new Set(pids).size, 2, "each job ran in a child of its own");
  assert.ok(pids.every((pid) => pid !== process.pid && alive(pid)));
  const spinning = run(pool, "spin");
  await sleep(200);
  await within(10_000, pool.close(), "close()");
  assert.equal((await spinning.result).kind, "error");
  for (const pid of pids) assert.equal(alive(pid), false, `child ${pid} is gone`);
});

test("threads pool: where threads cannot be stopped it runs processes and says why", async () => {
  const logger = memoryLogger();
  const pool = await startPool("threads", 1, logger);
  try {
    const pid = await run(pool, "pid", [0]).result;
    if (runtimeName === "deno") {
      assert.equal(pool.kind, "process");
      assert.notEqual(pid.kind === "success" && pid.value, process.pid);
      assert.match(logger.lines.join("\n"), /^warn The threads pool runs child processes here: deno .* cannot stop a Web Worker/m);
    } else {
      assert.equal(pool.kind, "threads");
      assert.deepEqual(pid, { kind: "success", value: process.pid });
    }
  } finally {
    await pool.close();
  }
});
