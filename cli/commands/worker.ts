/**
 * `tq worker`: runs tasks until SIGTERM/SIGINT. The first signal stops
 * claiming and lets running tasks finish within the grace; a second hands
 * them back at once; a third exits. Exit code 0 after a clean stop,
 * EXIT.handedBack when running jobs had to be handed back.
 */
import { Beat, Worker } from "../../mod.ts";
import type { PoolKind, StopReport } from "../../mod.ts";
import { resolve } from "node:path";
import { parseDuration } from "../../core/duration.ts";
import { EXIT, UsageError } from "../errors.ts";
import { loadApp } from "../load_app.ts";
import { loggerFromFlags } from "../logging.ts";
import { stopOnSignals } from "../stop_signals.ts";
import { metricsAddress, processMetrics } from "../metrics/metrics_flags.ts";

export interface WorkerFlags {
  app?: string;
  queues?: string;
  concurrency?: string | number;
  prefetch?: string | number;
  logLevel?: string;
  logFormat?: string;
  grace?: string | number;
  pool?: string;
  beat?: boolean;
  events?: boolean;
  metricsPort?: string | number;
  metricsHost?: string;
}

function integer(value: string | number | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${flag} must be an integer of at least ${min}, got "${value}".`);
  return n;
}

export async function workerCommand(flags: WorkerFlags): Promise<number> {
  if (!flags.app) throw new UsageError("tq worker needs the module that defines your tasks: tq worker -A ./tasks.ts");
  const logger = loggerFromFlags(flags);
  const graceMs = flags.grace === undefined ? undefined : parseDuration(String(flags.grace));
  if (flags.grace !== undefined && graceMs === undefined) throw new UsageError(`--grace must be a duration such as 30s, got "${flags.grace}".`);
  const concurrency = integer(flags.concurrency, "concurrency", 1);
  const prefetch = integer(flags.prefetch, "prefetch", 0);
  const queues = flags.queues?.split(",").map((q) => q.trim()).filter(Boolean);
  const pool = (flags.pool ?? "async") as PoolKind;
  if (!["async", "threads", "process"].includes(pool)) throw new UsageError(`--pool must be async, threads or process; got "${flags.pool}".`);

  const metricsAt = metricsAddress(flags);
  const app = await loadApp(flags.app);
  app.configFromObject({ logger });
  const gauges = { running: (): number => worker.active, concurrency: concurrency ?? app.config.concurrency };
  const metrics = metricsAt ? await processMetrics(gauges) : undefined;
  let requestStop = (_reason: string) => {};
  const worker = new Worker(app, {
    queues,
    concurrency,
    prefetch,
    logger,
    pool,
    appModule: resolve(flags.app),
    events: flags.events ? true : undefined,
    // `tq control shutdown` stops this process as SIGTERM would.
    onShutdownRequest: () => requestStop("tq control shutdown"),
    telemetry: metrics?.listener,
  });
  // -B: beat runs in this process too, with the same guarantees as `tq beat`.
  const beat = flags.beat ? new Beat(app, { logger, telemetry: metrics?.listener }) : undefined;
  const metricsServer = metricsAt ? await metrics?.serve(metricsAt, logger) : undefined;
  let report: StopReport | undefined;
  const signals = stopOnSignals(logger, {
    stop: async () => void ([, report] = await Promise.all([beat?.stop(), worker.stop({ graceMs })])),
    stopNow: async () => void ([, report] = await Promise.all([beat?.stop(), worker.stopNow()])),
  }, "running jobs run again when their leases expire.");
  requestStop = signals.request;
  const { stopped } = signals;
  // A signal while still connecting (the server unreachable or silent) stops at once.
  const started = Promise.all([beat?.start(), worker.start()]);
  started.catch(() => {}); // a start cut short by the stop may fail as the app closes: nothing to report then
  await Promise.race([started.then(() => stopped), stopped]);
  await metricsServer?.stop();
  await app.close();
  return report && report.interrupted > 0 ? EXIT.handedBack : EXIT.ok;
}
