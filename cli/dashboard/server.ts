/**
 * The dashboard's HTTP server (`tq dashboard`, and `tq dev`): the page and
 * its script from the binary itself (cli/dashboard/_assets.ts, built by
 * scripts/build_dashboard.ts; nothing from a CDN), the JSON API, the live
 * stream and Prometheus /metrics. Hono routes it, the same on Deno and Bun.
 */
import { type Context, Hono } from "hono";
import type { App } from "../../mod.ts";
import { type HttpServer, serveHttp } from "../../core/runtime.ts";
import { ClusterMetrics } from "../metrics/cluster_metrics.ts";
import { APP_CSS, APP_JS, INDEX_HTML } from "./_assets.ts";
import { Actions, Refused } from "./actions.ts";
import { BadRequest, jobIdOf, ReadApi } from "./api.ts";
import { type AccessOptions, Guard } from "./guard.ts";
import { LiveFeed } from "./live.ts";

/** Options of a dashboard. */
export interface DashboardOptions extends AccessOptions {
  /** TCP port; 0 picks a free one. */
  port: number;
}

/** A running dashboard. */
export interface Dashboard {
  /** Where it listens, e.g. http://127.0.0.1:5555/ */
  url: string;
  /** Whether actions are off, and whether only because it listens beyond loopback without a token. */
  readOnly: boolean;
  forcedReadOnly: boolean;
  /** Ends the live streams and stops listening. */
  stop(): Promise<void>;
}

/** The page is ours alone: no framing, no scripts or connections elsewhere. */
const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

/** The dashboard of `app` as a fetch handler, with what must be closed. */
export function dashboardHandler(app: App, access: AccessOptions): { fetch: (request: Request) => Promise<Response>; live: LiveFeed; guard: Guard } {
  const guard = new Guard(access);
  const read = new ReadApi(app, () => ({ readOnly: guard.readOnly, tokenRequired: guard.tokenRequired }));
  const actions = new Actions(app);
  const live = new LiveFeed(app, () => read.overview());
  const metrics = new ClusterMetrics(app);
  const web = new Hono();

  web.use("*", async (c, next) => {
    const verdict = guard.read(c.req.raw);
    if (!verdict.ok) return c.json({ error: verdict.error }, verdict.status);
    await next();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.header(name, value);
  });
  web.post("/api/*", async (c, next) => {
    const verdict = guard.act(c.req.raw);
    if (!verdict.ok) return c.json({ error: verdict.error }, verdict.status);
    await next();
  });
  web.onError((error, c) => {
    if (error instanceof BadRequest) return c.json({ error: error.message }, 400);
    if (error instanceof Refused) return c.json({ error: error.message }, error.status);
    return c.json({ error: `The dashboard could not answer: ${error.message}` }, 500);
  });

  const asset = (body: string, type: string) => (c: Context) => c.body(body, 200, { "content-type": type, "cache-control": "no-cache" });
  web.get("/", asset(INDEX_HTML, "text/html; charset=utf-8"));
  web.get("/assets/app.js", asset(APP_JS, "text/javascript; charset=utf-8"));
  web.get("/assets/app.css", asset(APP_CSS, "text/css; charset=utf-8"));
  web.get("/metrics", async (c) => c.body(await metrics.metrics(), 200, { "content-type": metrics.registry.contentType }));

  web.get("/api/overview", async (c) => c.json(await read.overview()));
  web.get("/api/chart", async (c) => c.json(await read.chart()));
  web.get("/api/jobs", async (c) => c.json(await read.jobs(c)));
  web.get("/api/jobs/:id", async (c) => {
    const report = await read.job(jobIdOf(c));
    return report ? c.json(report) : c.json({ error: `No task ${c.req.param("id")} is known here: never sent to this schema, or its result expired.` }, 404);
  });
  web.get("/api/schedules", async (c) => c.json(await read.schedules()));
  web.get("/api/stream", () => live.response());

  web.post("/api/jobs/:id/retry", async (c) => c.json(await actions.retry(jobIdOf(c))));
  web.post("/api/jobs/:id/revoke", async (c) => c.json(await actions.revoke(jobIdOf(c))));
  web.post("/api/jobs/:id/delete", async (c) => c.json(await actions.delete(jobIdOf(c))));
  web.post("/api/schedules/:name/pause", async (c) => c.json(await actions.schedule(c.req.param("name"), false)));
  web.post("/api/schedules/:name/resume", async (c) => c.json(await actions.schedule(c.req.param("name"), true)));
  web.post("/api/queues/:name/pause", async (c) => c.json(await actions.queue(c.req.param("name"), true)));
  web.post("/api/queues/:name/resume", async (c) => c.json(await actions.queue(c.req.param("name"), false)));
  web.notFound((c) => c.json({ error: `Nothing at ${c.req.method} ${c.req.path}.` }, 404));

  return { fetch: async (request) => await web.fetch(request), live, guard };
}

/** Serves the dashboard of `app`; resolves once it listens. */
export async function startDashboard(app: App, options: DashboardOptions): Promise<Dashboard> {
  const { fetch, live, guard } = dashboardHandler(app, options);
  const server: HttpServer = await serveHttp(fetch, { hostname: options.hostname, port: options.port });
  const host = options.hostname.includes(":") ? `[${options.hostname}]` : options.hostname;
  return {
    url: `http://${host}:${server.port}/`,
    readOnly: guard.readOnly,
    forcedReadOnly: guard.forcedReadOnly,
    async stop() {
      await live.close();
      await server.stop();
    },
  };
}
