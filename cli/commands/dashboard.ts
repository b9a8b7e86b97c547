/**
 * `tq dashboard`: the web UI and cluster /metrics (docs/observability.md),
 * served from this binary until SIGTERM/SIGINT. It binds to 127.0.0.1 unless
 * --host says otherwise; actions need TQ_DASHBOARD_TOKEN beyond loopback,
 * and --read-only turns them off.
 */
import { env } from "../../core/runtime.ts";
import { startDashboard } from "../dashboard/server.ts";
import { EXIT, UsageError } from "../errors.ts";
import { readOnlyApp } from "../load_app.ts";
import { loggerFromFlags } from "../logging.ts";
import { stopOnSignals } from "../stop_signals.ts";
import { portFlag } from "../port_flag.ts";

export interface DashboardFlags {
  app?: string;
  host?: string;
  port?: string | number;
  readOnly?: boolean;
  logLevel?: string;
  logFormat?: string;
}

/** Flower's port, which Celery users know. */
export const DEFAULT_DASHBOARD_PORT = 5555;

/** The token actions need, from TQ_DASHBOARD_TOKEN (never a flag: flags show in `ps`). */
export function dashboardToken(): string | undefined {
  const token = env("TQ_DASHBOARD_TOKEN");
  if (token === undefined || token === "") return undefined;
  if (token.length < 16) throw new UsageError("TQ_DASHBOARD_TOKEN must be at least 16 characters long: make one with `openssl rand -hex 24`.");
  return token;
}

export async function dashboardCommand(flags: DashboardFlags): Promise<number> {
  const logger = loggerFromFlags(flags);
  const port = portFlag(flags.port, "port", DEFAULT_DASHBOARD_PORT);
  const hostname = flags.host === undefined ? "127.0.0.1" : String(flags.host).trim();
  if (!hostname) throw new UsageError("--host must be an address to bind to, such as 127.0.0.1 or 0.0.0.0.");
  const token = dashboardToken();
  const app = await readOnlyApp(flags);
  try {
    let dashboard;
    try {
      dashboard = await startDashboard(app, { hostname, port, token, readOnly: flags.readOnly === true });
    } catch (error) {
      throw new UsageError(`Cannot serve the dashboard on ${hostname}:${port}: ${(error as Error).message}. Choose another --port (0 picks a free one).`);
    }
    if (dashboard.forcedReadOnly) logger.log("warn", "The dashboard listens beyond this machine without a token: it is read-only. Set TQ_DASHBOARD_TOKEN to allow retry, revoke, delete and pause.");
    logger.log("info", `Dashboard at ${dashboard.url}${dashboard.readOnly ? " (read-only)" : ""}; Prometheus metrics at ${dashboard.url}metrics`, { url: dashboard.url });
    const { stopped } = stopOnSignals(logger, { stop: () => dashboard.stop() }, "open pages reconnect when it is back.");
    await stopped;
  } finally {
    await app.close();
  }
  return EXIT.ok;
}
