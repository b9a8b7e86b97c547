/**
 * Drives the dashboard in a headless Chromium, as a person would, and
 * checks that it follows jobs live without reloading:
 *
 *   node tests/browser/drive_dashboard.mjs --url http://127.0.0.1:PORT/ \
 *     --pending <jobId> --failed <jobId> [--screenshots DIR]
 *
 * --pending is a job sent with a delay: its page must first show a state
 * other than SUCCESS, then SUCCESS once a worker ran it. --failed is a job
 * that failed and succeeds when run again: its page shows FAILURE, its Retry
 * button is clicked, and the page must reach SUCCESS. Each step prints one
 * JSON line ({"step": ..., "ms": ...}); a failure prints {"error": ...} with
 * the page's console errors and exits 1. Any uncaught error in the page
 * (`pageerror`) fails the run.
 *
 * Plain Node.js (ESM) with puppeteer-core and @sparticuz/chromium, which
 * brings its own Chromium: no download at run time, so it works offline.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import chromium from "@sparticuz/chromium";
import puppeteer from "puppeteer-core";

/** How long a job may take to reach the state a step waits for. */
const STATE_TIMEOUT_MS = 30_000;
/** How long the first page may take to show its queues and open its stream. */
const LOAD_TIMEOUT_MS = 20_000;
const DESKTOP = { width: 1280, height: 800 };
// Only the size: changing isMobile or hasTouch would make puppeteer reload the page.
const PHONE = { width: 390, height: 844 };

function parseArgs(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i];
    if (!["--url", "--pending", "--failed", "--screenshots"].includes(name)) throw new Error(`Unknown argument "${name}".`);
    const value = argv[++i];
    if (value === undefined || value.startsWith("--")) throw new Error(`${name} needs a value.`);
    options[name.slice(2)] = value;
  }
  for (const required of ["url", "pending", "failed"]) {
    if (!options[required]) {
      throw new Error(`--${required} is required. Usage: node tests/browser/drive_dashboard.mjs --url URL --pending ID --failed ID [--screenshots DIR]`);
    }
  }
  return options;
}

function print(line) {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** The page's own base address (no hash), so every step moves by hash only. */
function baseOf(url) {
  const u = new URL(url);
  u.hash = "";
  return u.href;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const consoleErrors = [];
  const pageErrors = [];
  let browser;
  try {
    browser = await puppeteer.launch({ executablePath: await chromium.executablePath(), args: chromium.args, headless: true });
    const page = await browser.newPage();
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    // A step fails as soon as the page throws, rather than at its timeout.
    let pageThrew;
    const thrown = new Promise((_, reject) => (pageThrew = reject));
    thrown.catch(() => {});
    page.on("pageerror", (error) => {
      pageErrors.push(String(error?.stack ?? error));
      pageThrew(new Error(`The page threw: ${pageErrors[0]}`));
    });
    await page.setViewport(DESKTOP);
    if (options.screenshots) mkdirSync(options.screenshots, { recursive: true });
    const shoot = async (name) => {
      if (options.screenshots) await page.screenshot({ path: join(options.screenshots, name), fullPage: true });
    };
    const checkPage = () => {
      if (pageErrors.length) throw new Error(`The page threw: ${pageErrors[0]}`);
    };
    const step = async (name, run) => {
      const started = Date.now();
      await Promise.race([run(), thrown]);
      checkPage();
      print({ step: name, ms: Date.now() - started });
    };
    const goHash = (hash) => page.evaluate((h) => (location.hash = h), hash);
    const stateText = () => page.$eval("[data-testid=job-state]", (el) => el.textContent.trim()).catch(() => null);
    const waitForState = async (id, wanted, timeout) => {
      try {
        await page.waitForFunction(
          (jobId, state) => location.hash === `#/jobs/${jobId}` && document.querySelector("[data-testid=job-state]")?.textContent.trim() === state,
          { timeout, polling: 100 },
          id,
          wanted,
        );
      } catch {
        throw new Error(`Job ${id} did not show ${wanted} within ${timeout} ms (it shows ${(await stateText()) ?? "no state"}).`);
      }
    };
    const assertNoReload = async () => {
      const loads = await page.evaluate(() => globalThis.__tqLoads);
      if (loads !== 1) throw new Error(`The page loaded ${loads} times: moving within the dashboard must not reload it.`);
    };

    await step("overview", async () => {
      await page.goto(`${baseOf(options.url)}#/`, { waitUntil: "domcontentloaded", timeout: LOAD_TIMEOUT_MS });
      await page.waitForSelector("[data-testid=queue-row]", { timeout: LOAD_TIMEOUT_MS });
      await page.waitForFunction(() => document.querySelector("[data-testid=live]")?.textContent.trim() === "live", { timeout: LOAD_TIMEOUT_MS });
      await shoot("overview.png");
    });

    await step("pending-succeeded", async () => {
      await goHash(`#/jobs/${options.pending}`);
      await page.waitForFunction((id) => location.hash === `#/jobs/${id}` && document.querySelector("[data-testid=job-state]"), { timeout: LOAD_TIMEOUT_MS }, options.pending);
      const first = await stateText();
      if (first === "SUCCESS") throw new Error(`Job ${options.pending} already showed SUCCESS: send it with a longer delay, so the page can be seen to change.`);
      await waitForState(options.pending, "SUCCESS", STATE_TIMEOUT_MS);
      await assertNoReload();
      await shoot("job.png");
    });

    await step("failed-retried", async () => {
      await goHash(`#/jobs/${options.failed}`);
      await waitForState(options.failed, "FAILURE", STATE_TIMEOUT_MS);
      const retry = await page.waitForSelector("[data-testid=retry]", { timeout: LOAD_TIMEOUT_MS });
      await retry.click();
      await waitForState(options.failed, "SUCCESS", STATE_TIMEOUT_MS);
      await assertNoReload();
    });

    if (options.screenshots) {
      await step("screenshots", async () => {
        await goHash("#/jobs/failed");
        await page.waitForFunction(() => location.hash === "#/jobs/failed" && document.querySelector("main h1")?.textContent.includes("Failed") && !document.querySelector("main")?.textContent.includes("Loading"), { timeout: LOAD_TIMEOUT_MS });
        await shoot("failed.png");
        await page.setViewport(PHONE);
        await goHash("#/");
        await page.waitForSelector("[data-testid=queue-row]", { timeout: LOAD_TIMEOUT_MS });
        // Charts size themselves to the narrower box on the next frame.
        await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
        await shoot("phone.png");
        await assertNoReload();
      });
    }

    await browser.close();
    browser = undefined;
    checkPage();
    print({ step: "done", consoleErrors: consoleErrors.length });
    return 0;
  } catch (error) {
    print({ error: error instanceof Error ? error.message : String(error), consoleErrors, pageErrors });
    return 1;
  } finally {
    await browser?.close().catch(() => {});
  }
}

process.exitCode = await main();
