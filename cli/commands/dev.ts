/**
 * `tq dev -A tasks.ts`: everything in one process for trying tq and for
 * development: the embedded database (PGlite, data in `.tq/`), served on a
 * local socket that `tq call`, `tq inspect` and programs importing tq in
 * this directory find by themselves, a worker, beat, and the dashboard.
 */
import process from "node:process";
import { resolve } from "node:path";
import { Beat, Worker } from "../../mod.ts";
import { embeddedTimings, runningServer } from "../../transports/embedded/discovery.ts";
import { startEmbedded } from "../../transports/embedded/server.ts";
import { EXIT, UsageError } from "../errors.ts";
import { loadApp } from "../load_app.ts";
import { loggerFromFlags } from "../logging.ts";
import { stopOnSignals } from "../stop_signals.ts";
import { type Dashboard, startDashboard } from "../dashboard/server.ts";
import { DEFAULT_DASHBOARD_PORT } from "./dashboard.ts";
import { portFlag } from "../port_flag.ts";
import type { App, Logger } from "../../mod.ts";

export interface DevFlags {
  app?: string;
  queues?: string;
  concurrency?: string | number;
  port?: string | number;
  logLevel?: string;
  logFormat?: string;
  dashboardPort?: string | number;
}

export async function devCommand(flags: DevFlags): Promise<number> {
  if (!flags.app) throw new UsageError("tq dev needs the module that defines your tasks: tq dev -A ./tasks.ts");
  const port = portFlag(flags.port, "port", 0);
  const concurrency = flags.concurrency === undefined ? undefined : Number(flags.concurrency);
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) throw new UsageError(`--concurrency must be a positive integer, got "${flags.concurrency}".`);
  const dashboardPort = portFlag(flags.dashboardPort, "dashboard-port", DEFAULT_DASHBOARD_PORT);
  const logger = loggerFromFlags(flags);
  const dir = process.cwd();
  const running = runningServer(dir);
  if (running) throw new UsageError(`tq dev already runs in this directory (pid ${running.pid}, ${running.url}); stop it first.`);

  const app = await loadApp(flags.app);
  logger.log("info", `tq dev: opening the embedded database in ${resolve(dir, ".tq")} (the first start creates it, which takes a few seconds)`);
  const server = await startEmbedded({ dir, port });
  app.configFromObject({ databaseUrl: server.url, logger, ...embeddedTimings({ lease: app.config.leaseMs }) });
  const queues = flags.queues?.split(",").map((q) => q.trim()).filter(Boolean);
  let requestStop = (_reason: string) => {};
  const worker = new Worker(app, { queues, concurrency, logger, appModule: resolve(flags.app), onShutdownRequest: () => requestStop("tq control shutdown") });
  const beat = new Beat(app, { logger });
  const signals = stopOnSignals(logger, {
    stop: () => Promise.all([beat.stop(), worker.stop()]),
    stopNow: () => Promise.all([beat.stop(), worker.stopNow()]),
  }, "running jobs run again when tq dev starts next.");
  requestStop = signals.request;
  const { stopped } = signals;
  let dashboard: Dashboard | undefined;
  try {
    await beat.start();
    await worker.start();
    dashboard = await devDashboard(app, dashboardPort, logger);
    logger.log("info", `tq dev: database at ${server.url}; tq call, tq inspect and programs run in this directory use it`);
    await stopped;
  } finally {
    await dashboard?.stop();
    await app.close();
    await server.stop();
  }
  return EXIT.ok;
}

/** The dashboard on 127.0.0.1 (the usual port, or any free one when another program has it), its address logged. */
async function devDashboard(app: App, port: number, logger: Logger): Promise<Dashboard> {
  let dashboard: Dashboard;
  try {
    dashboard = await startDashboard(app, { hostname: "127.0.0.1", port });
  } catch {
    dashboard = await startDashboard(app, { hostname: "127.0.0.1", port: 0 });
  }
  logger.log("info", `tq dev: dashboard at ${dashboard.url}`, { url: dashboard.url });
  return dashboard;
}
