/**
 * `tq dev` from the compiled binary, on a machine's worth of nothing: the
 * embedded database (PGlite) created under .tq/ in a directory outside the
 * repository, found by `tq call` and `tq inspect` there without any
 * configuration, and a clean stop on SIGTERM.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { hostBinary } from "./_binary.ts";
import { type CliProcess, runCommand } from "./_helpers.ts";
import { runningServer, writeServer } from "../transports/embedded/discovery.ts";

/** No database configured: the point is that nothing needs to be. */
const UNCONFIGURED = { TQ_DATABASE_URL: "", TQ_SCHEMA: "" };

async function run(binary: string, args: string[], cwd: string): Promise<{ code: number | string; output: string }> {
  const child = runCommand(binary, args, { cwd, env: UNCONFIGURED });
  const code = await child.exited;
  return { code, output: child.output() };
}

test("tq dev runs database, worker and beat in one process; tq call and tq inspect find it with no configuration", async () => {
  const binary = await hostBinary();
  const dir = mkdtempSync(join(tmpdir(), "tq-dev-"));
  writeFileSync(
    join(dir, "tasks.ts"),
    [
      'import { App, every } from "tq";',
      'export const app = new App({ name: "devapp" });',
      'export const add = app.task("add", (a: number, b: number) => a + b);',
      'export const tick = app.task("tick", () => "tick");',
      'app.conf.beatSchedule = { ticking: { task: "tick", schedule: every("1s") } };',
      "",
    ].join("\n"),
  );
  let dev: CliProcess | undefined;
  try {
    dev = runCommand(binary, ["dev", "-A", "tasks.ts"], { cwd: dir, env: UNCONFIGURED });
    await dev.waitFor(/tq dev: database at postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres/, 60_000);
    assert.ok(existsSync(join(dir, ".tq", "data")), "the data lives in .tq/ of the working directory");
    assert.equal(runningServer(dir)?.pid, dev.pid, ".tq/server.json names the running server");

    const sum = await run(binary, ["call", "add", "2", "3", "--wait", "--timeout", "20s"], dir);
    assert.equal(sum.code, 0, sum.output);
    assert.equal(sum.output.trim(), "5");

    await dev.waitFor(/Task tick\[/, 10_000); // beat runs inside tq dev
    const queues = await run(binary, ["inspect", "queues", "--json"], dir);
    assert.equal(queues.code, 0, queues.output);
    const [row] = JSON.parse(queues.output);
    assert.equal(row.queue, "default");
    assert.ok(row.queued <= 1, `nothing waits but perhaps the tick just sent (${row.queued})`);
    assert.ok(row.doneLastHour >= 2, `the call and a beat tick were done (${row.doneLastHour})`);

    // The dashboard runs inside tq dev too, on the embedded database, at the address it printed.
    const dashboard = /tq dev: dashboard at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(dev.output());
    assert.ok(dashboard, dev.output());
    const page = await fetch(dashboard[1]);
    assert.match(await page.text(), /<title>tq dashboard<\/title>/);
    const overview = await (await fetch(`${dashboard[1]}api/overview`)).json();
    assert.equal(overview.queues.find((q: { queue: string }) => q.queue === "default").consumers, 1);

    dev.kill("SIGTERM");
    assert.equal(await dev.exited, 0);
    assert.equal(runningServer(dir), undefined, "the server record is gone after a clean stop");
    assert.match(dev.output(), /beat: stopped leading/);
  } finally {
    if (dev?.running()) dev.kill("SIGKILL");
    await dev?.exited;
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a server record counts only while its process lives", () => {
  const dir = mkdtempSync(join(tmpdir(), "tq-discovery-"));
  try {
    rmSync(join(dir, ".tq"), { recursive: true, force: true });
    assert.equal(runningServer(dir), undefined, "no record: no server");
    mkdirSync(join(dir, ".tq"), { recursive: true });
    writeServer(dir, { url: "postgres://postgres@127.0.0.1:1/postgres", pid: process.pid, startedAt: new Date().toISOString() });
    assert.equal(runningServer(dir)?.url, "postgres://postgres@127.0.0.1:1/postgres");
    writeServer(dir, { url: "postgres://postgres@127.0.0.1:1/postgres", pid: 2 ** 22 + 12345, startedAt: new Date().toISOString() });
    assert.equal(runningServer(dir), undefined, "a record left by a process that died is ignored");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
