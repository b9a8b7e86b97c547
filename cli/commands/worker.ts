/** `tq worker`: runs tasks until SIGTERM/SIGINT; a second signal exits at once. */
import { createLogger, Worker } from "../../mod.ts";
import type { LogLevel, PoolKind } from "../../mod.ts";
import { resolve } from "node:path";
import { exit, onSignal } from "../../core/runtime.ts";
import { parseDuration } from "../../core/duration.ts";
import { EXIT, UsageError } from "../errors.ts";
import { loadApp } from "../load_app.ts";
import { err } from "../output.ts";

export interface WorkerFlags {
  app?: string;
  queues?: string;
  concurrency?: string | number;
  prefetch?: string | number;
  logLevel?: string;
  logFormat?: string;
  grace?: string | number;
  pool?: string;
}

function integer(value: string | number | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${flag} must be an integer of at least ${min}, got "${value}".`);
  return n;
}

export async function workerCommand(flags: WorkerFlags): Promise<number> {
  if (!flags.app) throw new UsageError("tq worker needs the module that defines your tasks: tq worker -A ./tasks.ts");
  const logFormat = flags.logFormat ?? "text";
  if (logFormat !== "text" && logFormat !== "json") throw new UsageError(`--log-format must be "text" or "json", got "${logFormat}".`);
  const logLevel = (flags.logLevel ?? "info") as LogLevel;
  if (!["debug", "info", "warn", "error", "silent"].includes(logLevel)) {
    throw new UsageError(`--log-level must be one of debug, info, warn, error, silent; got "${logLevel}".`);
  }
  const graceMs = flags.grace === undefined ? undefined : parseDuration(String(flags.grace));
  if (flags.grace !== undefined && graceMs === undefined) throw new UsageError(`--grace must be a duration such as 30s, got "${flags.grace}".`);
  const concurrency = integer(flags.concurrency, "concurrency", 1);
  const prefetch = integer(flags.prefetch, "prefetch", 0);
  const queues = flags.queues?.split(",").map((q) => q.trim()).filter(Boolean);
  const pool = (flags.pool ?? "async") as PoolKind;
  if (!["async", "threads", "process"].includes(pool)) throw new UsageError(`--pool must be async, threads or process; got "${flags.pool}".`);

  const app = await loadApp(flags.app);
  const logger = createLogger({ level: logLevel, format: logFormat });
  app.configFromObject({ logger });
  const worker = new Worker(app, { queues, concurrency, prefetch, logger, pool, appModule: resolve(flags.app) });

  let signals = 0;
  const stopped = new Promise<void>((resolve) => {
    const onStop = (signal: string) => () => {
      signals++;
      if (signals > 1) {
        err(`tq: second ${signal}: exiting now; running jobs run again when their leases expire.`);
        exit(EXIT.failure);
      }
      logger.log("info", `${signal} received: finishing running tasks (send it again to exit at once)`);
      worker.stop({ graceMs }).then(resolve, resolve);
    };
    onSignal("SIGTERM", onStop("SIGTERM"));
    onSignal("SIGINT", onStop("SIGINT"));
  });
  await worker.start();
  await stopped;
  await app.close();
  return EXIT.ok;
}
