/** The `--metrics-port` and `--metrics-host` flags of `tq worker` and `tq beat`, and the metrics they serve. */
import type { Logger, TelemetryListener } from "../../mod.ts";
import { UsageError } from "../errors.ts";
import { portFlag } from "../port_flag.ts";
import type { WorkerGauges } from "./worker_metrics.ts";

/** Where to serve /metrics, or undefined when --metrics-port was not given. */
export function metricsAddress(flags: { metricsPort?: string | number; metricsHost?: string }): { hostname: string; port: number } | undefined {
  if (flags.metricsPort === undefined) {
    if (flags.metricsHost !== undefined) throw new UsageError("--metrics-host needs --metrics-port: tq worker -A ./tasks.ts --metrics-port 9464");
    return undefined;
  }
  const port = portFlag(flags.metricsPort, "metrics-port", 0);
  const hostname = flags.metricsHost === undefined ? "127.0.0.1" : String(flags.metricsHost);
  if (!hostname.trim()) throw new UsageError("--metrics-host must be a host name or address, such as 127.0.0.1 or 0.0.0.0.");
  return { hostname, port };
}

/** A process's metrics: the listener to give its Worker and Beat, and serving them once those exist. */
export interface ProcessMetrics {
  listener: TelemetryListener;
  /** Serves /metrics at `at` and logs where; a port in use fails with a UsageError naming it. */
  serve(at: { hostname: string; port: number }, logger: Logger): Promise<{ stop(): Promise<void> }>;
}

/** This process's metrics; Prometheus's client is loaded only now (most workers serve none). */
export async function processMetrics(gauges?: WorkerGauges): Promise<ProcessMetrics> {
  const [{ WorkerMetrics }, { serveMetrics }] = await Promise.all([import("./worker_metrics.ts"), import("./serve_metrics.ts")]);
  const metrics = new WorkerMetrics(gauges);
  return {
    listener: metrics.listener,
    async serve(at, logger) {
      let server;
      try {
        server = await serveMetrics(metrics.registry, at);
      } catch (error) {
        throw new UsageError(`Cannot serve metrics on ${at.hostname}:${at.port}: ${(error as Error).message}. Choose another --metrics-port (0 picks a free one).`);
      }
      logger.log("info", `Metrics at http://${at.hostname}:${server.port}/metrics`, { port: server.port });
      return server;
    },
  };
}
