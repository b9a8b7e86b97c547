/**
 * The dashboard's server (docs/observability.md), through its fetch handler
 * against a real database and a worker in this process: what it reads
 * (overview, chart, capped pages of jobs, a job with its arguments as tq
 * shows them, schedules), what it does (retry, revoke, delete, pause and
 * resume), who may do it (loopback Host, X-TQ-Action, token, read-only), and
 * the live stream. The page itself is tested in a browser
 * (dashboard_browser.test.ts).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { every, Worker } from "../mod.ts";
import { dashboardHandler } from "../cli/dashboard/server.ts";
import type { AccessOptions } from "../cli/dashboard/guard.ts";
import { join } from "node:path";
import { APP_JS, INDEX_HTML } from "../cli/dashboard/_assets.ts";
import { disposeApp, eventually, execToEnd, ROOT, testApp } from "./_helpers.ts";

type Handler = ReturnType<typeof dashboardHandler>;

function dashboardApp(prefix: string) {
  const app = testApp(prefix, { events: true });
  let failing = true;
  const add = app.task("add", (a: number, b: number) => a + b);
  const login = app.task({ name: "login", redact: { args: [1] } }, (user: string, _password: string) => user);
  const flaky = app.task({ name: "flaky", maxRetries: 0 }, () => {
    if (failing) throw new RangeError("not yet");
    return "fixed";
  });
  return { app, add, login, flaky, heal: () => (failing = false) };
}

const BASE = "http://127.0.0.1:5555";
const ACT = { "x-tq-action": "1" };

// deno-lint-ignore no-explicit-any -- JSON bodies, read field by field in the assertions
type Json = Record<string, any>;

async function call(handler: Handler, path: string, init: RequestInit = {}): Promise<{ status: number; body: Json }> {
  const response = await handler.fetch(new Request(`${BASE}${path}`, { ...init, headers: { host: "127.0.0.1:5555", ...init.headers as Record<string, string> } }));
  return { status: response.status, body: await response.json() };
}

async function withDashboard(prefix: string, body: (h: Handler, parts: ReturnType<typeof dashboardApp>) => Promise<void>, access: AccessOptions = { hostname: "127.0.0.1" }): Promise<void> {
  const parts = dashboardApp(prefix);
  await parts.app.migrate();
  const handler = dashboardHandler(parts.app, access);
  try {
    await body(handler, parts);
  } finally {
    await handler.live.close();
    await disposeApp(parts.app);
  }
}

test("lists come in pages of at most 100, paging stops at 1,000, and bad queries are named", async () => {
  await withDashboard("dash_pages", async (h, { app }) => {
    await app.sendMany("add", Array.from({ length: 130 }, (_, i) => [i, i]), { countdown: 3_600_000 });
    const first = await call(h, "/api/jobs?list=scheduled&limit=100");
    assert.equal(first.status, 200);
    assert.equal(first.body.items.length, 100);
    assert.equal(first.body.more, true);
    assert.equal(first.body.cap, 1_000);
    const second = await call(h, "/api/jobs?list=scheduled&limit=100&offset=100");
    assert.equal(second.body.items.length, 30);
    assert.equal(second.body.more, false);
    const ids = new Set([...first.body.items, ...second.body.items].map((j: { id: string }) => j.id));
    assert.equal(ids.size, 130, "pages do not overlap");
    assert.equal((await call(h, "/api/jobs?list=scheduled")).body.items.length, 50, "50 by default");
    const tooMany = await call(h, "/api/jobs?list=scheduled&limit=101");
    assert.equal(tooMany.status, 400);
    assert.match(tooMany.body.error, /"limit" must be an integer from 1 to 100, got "101"/);
    const tooDeep = await call(h, "/api/jobs?list=scheduled&limit=100&offset=950");
    assert.equal(tooDeep.status, 400);
    assert.match(tooDeep.body.error, /"offset" must be an integer from 0 to 900/);
    const unknown = await call(h, "/api/jobs?list=everything");
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error, /"list" must be one of active, scheduled, failed, got "everything"/);
    const badId = await call(h, "/api/jobs/not-an-id");
    assert.equal(badId.status, 400);
    const missing = await call(h, `/api/jobs/${crypto.randomUUID()}`);
    assert.equal(missing.status, 404);
    assert.match(missing.body.error, /No task .* is known here/);
  });
});

test("a job's page shows its arguments as tq shows them: a redacted argument never leaves the server", async () => {
  await withDashboard("dash_redact", async (h, { login }) => {
    const sent = await login.delay("ada", "hunter2-secret");
    const response = await h.fetch(new Request(`${BASE}/api/jobs/${sent.id}`, { headers: { host: "127.0.0.1:5555" } }));
    const text = await response.text();
    assert.equal(response.status, 200);
    assert.doesNotMatch(text, /hunter2-secret/);
    const report = JSON.parse(text);
    assert.deepEqual(report.job.message.args, ["ada", "[redacted]"]);
    assert.equal(report.state, "PENDING");
    assert.match(response.headers.get("content-security-policy") ?? "", /default-src 'self'/);
  });
});

test("retry, delete, revoke and pause work from the API and change the database", async () => {
  await withDashboard("dash_actions", async (h, { app, add, flaky, heal }) => {
    const worker = new Worker(app, { concurrency: 4 });
    await worker.start();
    try {
      const failed = await flaky.delay();
      await eventually(async () => (await app.inspect.job(failed.id)).state === "FAILURE", 10_000, "the failure");
      const page = await call(h, "/api/jobs?list=failed");
      assert.deepEqual(page.body.items.map((f: { id: string }) => f.id), [failed.id]);
      // An action without the page's header is refused: another site's form cannot send it.
      assert.equal((await call(h, `/api/jobs/${failed.id}/retry`, { method: "POST" })).status, 403);
      heal();
      const retried = await call(h, `/api/jobs/${failed.id}/retry`, { method: "POST", headers: ACT });
      assert.equal(retried.status, 200);
      assert.deepEqual(retried.body.retried, [failed.id]);
      assert.equal(await failed.get({ timeout: 10_000 }), "fixed");
      const again = await call(h, `/api/jobs/${failed.id}/retry`, { method: "POST", headers: ACT });
      assert.equal(again.status, 409, "only a failed job can be retried");

      const deleted = await call(h, `/api/jobs/${failed.id}/delete`, { method: "POST", headers: ACT });
      assert.deepEqual(deleted.body, { deleted: true });
      assert.equal((await call(h, `/api/jobs/${failed.id}`)).body.result ?? null, null);

      const later = await add.applyAsync([1, 2], { countdown: 3_600_000 });
      const refusedDelete = await call(h, `/api/jobs/${later.id}/delete`, { method: "POST", headers: ACT });
      assert.equal(refusedDelete.status, 404);
      const revoked = await call(h, `/api/jobs/${later.id}/revoke`, { method: "POST", headers: ACT });
      assert.deepEqual(revoked.body, { outcome: "revoked" });
      assert.equal((await app.inspect.job(later.id)).state, "REVOKED");

      await app.schedules.add("tick", { task: "add", schedule: every("1h"), args: [1, 1] });
      assert.equal((await call(h, "/api/schedules/tick/pause", { method: "POST", headers: ACT })).status, 200);
      assert.equal((await call(h, "/api/schedules")).body.items.find((s: { name: string }) => s.name === "tick").enabled, false);
      assert.equal((await call(h, "/api/schedules/tick/resume", { method: "POST", headers: ACT })).status, 200);
      assert.equal((await app.schedules.list()).find((s) => s.name === "tick")?.enabled, true);
      assert.equal((await call(h, "/api/schedules/nope/pause", { method: "POST", headers: ACT })).status, 404);

      assert.equal((await call(h, "/api/queues/default/pause", { method: "POST", headers: ACT })).status, 200);
      assert.deepEqual((await app.control.paused()).map((p) => p.name), ["default"]);
      const overview = await call(h, "/api/overview");
      assert.equal(overview.body.queues.find((q: { queue: string }) => q.queue === "default").paused, true);
      await call(h, "/api/queues/default/resume", { method: "POST", headers: ACT });
      assert.deepEqual(await app.control.paused(), []);

      // The chart's current minute counts what finished, with its average run time.
      const chart = await call(h, "/api/chart");
      assert.equal(chart.body.minutes.length, 60);
      const recent = chart.body.minutes.slice(-2);
      assert.ok(recent.reduce((n: number, m: { succeeded: number; failed: number }) => n + m.succeeded + m.failed, 0) >= 2);
      assert.ok(recent.some((m: { runMs: number | null }) => typeof m.runMs === "number"));
    } finally {
      await worker.stop();
    }
  });
});

test("who may act: Host must be loopback on loopback, --read-only refuses, beyond loopback a token is needed", async () => {
  await withDashboard("dash_guard", async (h) => {
    const rebound = await h.fetch(new Request(`${BASE}/api/overview`, { headers: { host: "attacker.example:5555" } }));
    assert.equal(rebound.status, 421);
    assert.equal((await call(h, "/api/overview")).body.readOnly, false);
  });
  await withDashboard("dash_readonly", async (h, { app }) => {
    const overview = await call(h, "/api/overview");
    assert.equal(overview.body.readOnly, true);
    const refused = await call(h, "/api/queues/default/pause", { method: "POST", headers: ACT });
    assert.equal(refused.status, 403);
    assert.match(refused.body.error, /read-only: it was started with --read-only/);
    assert.deepEqual(await app.control.paused(), []);
  }, { hostname: "127.0.0.1", readOnly: true });
  await withDashboard("dash_open", async (h, { app }) => {
    // Beyond loopback without a token: read-only, and it says how to change that.
    const refused = await call(h, "/api/queues/default/pause", { method: "POST", headers: ACT });
    assert.equal(refused.status, 403);
    assert.match(refused.body.error, /set TQ_DASHBOARD_TOKEN/);
    assert.deepEqual(await app.control.paused(), []);
  }, { hostname: "0.0.0.0" });
  const token = "a-long-enough-dashboard-token";
  await withDashboard("dash_token", async (h, { app }) => {
    assert.equal((await call(h, "/api/overview")).body.tokenRequired, true);
    const none = await call(h, "/api/queues/default/pause", { method: "POST", headers: ACT });
    assert.equal(none.status, 401);
    assert.doesNotMatch(none.body.error, new RegExp(token));
    const wrong = await call(h, "/api/queues/default/pause", { method: "POST", headers: { ...ACT, authorization: "Bearer a-long-enough-dashboard-tokeX" } });
    assert.equal(wrong.status, 401);
    assert.deepEqual(await app.control.paused(), []);
    const right = await call(h, "/api/queues/default/pause", { method: "POST", headers: { ...ACT, authorization: `Bearer ${token}` } });
    assert.equal(right.status, 200);
    assert.equal((await app.control.paused()).length, 1);
  }, { hostname: "0.0.0.0", token });
});

test("the live stream pushes the overview at once and each stored event as it happens", async () => {
  await withDashboard("dash_live", async (h, { add }) => {
    const response = await h.fetch(new Request(`${BASE}/api/stream`, { headers: { host: "127.0.0.1:5555" } }));
    assert.equal(response.headers.get("content-type"), "text/event-stream");
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    const readUntil = async (pattern: RegExp) => {
      const deadline = Date.now() + 10_000;
      while (!pattern.test(text)) {
        if (Date.now() > deadline) throw new Error(`no ${pattern} in stream:\n${text}`);
        const { value, done } = await reader.read();
        if (done) throw new Error("stream ended");
        text += decoder.decode(value);
      }
    };
    await readUntil(/event: overview\ndata: \{/);
    const sent = await add.delay(2, 2);
    await readUntil(new RegExp(`event: tq\\ndata: \\{[^\\n]*"type":"task-sent"[^\\n]*"taskId":"${sent.id}"`));
    await reader.cancel();
  });
});

test("the page compiled into tq is built from cli/dashboard/ui as it is now (run `bun scripts/build_dashboard.ts` after editing it)", async () => {
  const ran = await execToEnd([join(ROOT, "node_modules", ".bin", "bun"), "scripts/build_dashboard.ts", "--check"]);
  assert.equal(ran.code, 0, ran.stdout + ran.stderr);
  assert.match(INDEX_HTML, /<script type="module" src="assets\/app\.js"><\/script>/);
  // Nothing from elsewhere: the only addresses in the script are XML namespace names.
  const addresses = [...INDEX_HTML.matchAll(/https?:\/\/[^"'\s)]+/g), ...APP_JS.matchAll(/https?:\/\/[^"'\s)]+/g)].map((m) => m[0]);
  assert.deepEqual(addresses.filter((url) => !url.startsWith("http://www.w3.org/")), []);
  assert.ok(APP_JS.length > 10_000);
});
