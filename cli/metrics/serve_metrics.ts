/**
 * `tq worker --metrics-port` and `tq beat --metrics-port`: a small HTTP
 * server with only GET /metrics (Prometheus text format). It binds to
 * 127.0.0.1 unless told otherwise, like the dashboard: metrics name tasks
 * and queues.
 */
import { Hono } from "hono";
import type { Registry } from "prom-client";
import { type HttpServer, serveHttp } from "../../core/runtime.ts";

/** Serves `registry` at GET /metrics on host:port; resolves once listening. */
export function serveMetrics(registry: Registry, options: { hostname: string; port: number }): Promise<HttpServer> {
  const app = new Hono();
  app.get("/metrics", async (c) => c.body(await registry.metrics(), 200, { "content-type": registry.contentType }));
  app.notFound((c) => c.text("Not found: this server has only GET /metrics.\n", 404));
  return serveHttp(app.fetch, options);
}
