/**
 * The dashboard in a real headless Chromium (tests/browser/drive_dashboard.mjs,
 * puppeteer-core driven by Node.js), against a live worker process: a job
 * sent while its queue is paused shows as waiting, then moves to SUCCESS
 * without a reload once the queue resumes; a failed job is retried from its
 * page's button and succeeds. Once with `tq dashboard` from source, once
 * from the compiled binary. Outcomes are checked in the database too.
 * TQ_SCREENSHOTS=DIR keeps the screenshots (the README's come from here).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { hostBinary } from "./_binary.ts";
import { type CliProcess, dropSchema, eventually, producerApp, runCli, runCommand, ROOT, startWorker, uniqueSchema } from "./_helpers.ts";

const DRIVER = join(ROOT, "tests", "browser", "drive_dashboard.mjs");

async function browserScenario(prefix: string, startDashboard: (env: Record<string, string>) => Promise<CliProcess>): Promise<void> {
  const schema = uniqueSchema(prefix);
  const app = await producerApp(schema);
  const scratch = mkdtempSync(join(tmpdir(), "tq-browser-"));
  const processes: CliProcess[] = [];
  try {
    const worker = await startWorker(schema, ["--events"]);
    processes.push(worker);
    const dashboard = await startDashboard({ TQ_SCHEMA: schema });
    processes.push(dashboard);
    await dashboard.waitFor(/Dashboard at http:\S+;/, 30_000);
    const url = /Dashboard at (http:\S+?);/.exec(dashboard.output())![1];

    // Some work done, for the counts and charts the screenshots show.
    await app.sendMany("add", Array.from({ length: 40 }, (_, i) => [i, i]));
    const declined = await app.sendTask("fail", ["The card was declined."]);
    // A job that failed, and the fix that makes it succeed when it runs again.
    const marker = join(scratch, "fixed");
    const failed = await app.sendTask("fails_until", [marker]);
    await eventually(async () => (await app.inspect.job(failed.id)).state === "FAILURE" && (await app.inspect.job(declined.id)).state === "FAILURE", 20_000, "the failures");
    writeFileSync(marker, "");
    // A job held back until the page has shown it waiting.
    await app.control.pause({ queue: "default" });
    // With a callback, so its page shows a workflow.
    const pending = await app.sendTask("add", [2, 3], { link: app.signature("add", [10]) });

    const screenshots = process.env.TQ_SCREENSHOTS ?? join(scratch, "screenshots");
    // Its own TMPDIR: the Chromium package unpacks itself there, and the Deno and Bun suites run at once.
    const driver = runCommand("node", [DRIVER, "--url", url, "--pending", pending.id, "--failed", failed.id, "--screenshots", screenshots], { env: { TMPDIR: scratch } });
    processes.push(driver);
    await driver.waitFor(/"step":"overview"/, 60_000);
    // The page is on its way to the pending job: let it show PENDING, then let the worker run it.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await app.control.resume({ queue: "default" });
    const code = await driver.exited;
    assert.equal(code, 0, `the browser run failed:\n${driver.output()}`);
    assert.match(driver.output(), /"step":"pending-succeeded"/);
    assert.match(driver.output(), /"step":"failed-retried"/);
    assert.equal((await app.inspect.job(pending.id)).state, "SUCCESS");
    const retried = await app.inspect.job(failed.id);
    assert.equal(retried.state, "SUCCESS");
    assert.equal(retried.result?.value, "fixed");
  } finally {
    for (const child of processes) if (child.running()) child.kill("SIGTERM");
    await Promise.all(processes.map((child) => child.exited));
    await app.close();
    await dropSchema(schema);
    rmSync(scratch, { recursive: true, force: true });
  }
}

test("in a browser, a job moves from waiting to SUCCESS without a reload, and a failed job is retried from its page", async () => {
  await browserScenario("browser_src", (env) => Promise.resolve(runCli(["dashboard", "--port", "0"], env)));
});

test("the compiled binary's tq dashboard serves the same page, with its script from the binary", async () => {
  const binary = await hostBinary();
  await browserScenario("browser_bin", (env) => Promise.resolve(runCommand(binary, ["dashboard", "--port", "0"], { env })));
});
