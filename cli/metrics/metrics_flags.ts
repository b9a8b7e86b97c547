/** The `--metrics-port` and `--metrics-host` flags of `tq worker` and `tq beat`, and starting their server. */
import type { Registry } from "prom-client";
import type { Logger } from "../../mod.ts";
import type { HttpServer } from "../../core/runtime.ts";
import { UsageError } from "../errors.ts";
import { serveMetrics } from "./serve_metrics.ts";

/** Where to serve /metrics, or undefined when --metrics-port was not given. */
export function metricsAddress(flags: { metricsPort?: string | number; metricsHost?: string }): { hostname: string; port: number } | undefined {
  if (flags.metricsPort === undefined) {
    if (flags.metricsHost !== undefined) throw new UsageError("--metrics-host needs --metrics-port: tq worker -A ./tasks.ts --metrics-port 9464");
    return undefined;
  }
  const port = Number(flags.metricsPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--metrics-port must be a TCP port (0 for any free one), got "${flags.metricsPort}".`);
  const hostname = flags.metricsHost === undefined ? "127.0.0.1" : String(flags.metricsHost);
  if (!hostname.trim()) throw new UsageError("--metrics-host must be a host name or address, such as 127.0.0.1 or 0.0.0.0.");
  return { hostname, port };
}

/** Serves `registry` and logs where; a port in use fails with a UsageError naming it. */
export async function startMetricsServer(registry: Registry, at: { hostname: string; port: number }, logger: Logger): Promise<HttpServer> {
  let server: HttpServer;
  try {
    server = await serveMetrics(registry, at);
  } catch (error) {
    throw new UsageError(`Cannot serve metrics on ${at.hostname}:${at.port}: ${(error as Error).message}. Choose another --metrics-port (0 picks a free one).`);
  }
  logger.log("info", `Metrics at http://${at.hostname}:${server.port}/metrics`, { port: server.port });
  return server;
}
