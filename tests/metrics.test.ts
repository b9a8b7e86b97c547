/**
 * Prometheus metrics (docs/observability.md): a real `tq worker
 * --metrics-port` process runs 1,000 jobs (successes, failures, and jobs
 * that retry once), and its counters, parsed from the text format, match
 * what the database holds; the dashboard's /metrics shows the queues and
 * live workers as the database does.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { dbClient, dropSchema, eventually, producerApp, runCli, startWorker, uniqueSchema } from "./_helpers.ts";
import { histogramCount, scrape, total } from "./_prometheus.ts";

test("a worker's counters match the database after 1,000 jobs, and the dashboard's gauges match the queues", async () => {
  const schema = uniqueSchema("metrics");
  const app = await producerApp(schema);
  const worker = await startWorker(schema, ["--metrics-port", "0", "--concurrency", "20"]);
  const dashboard = runCli(["dashboard", "--port", "0"], { TQ_SCHEMA: schema });
  const sql = dbClient();
  try {
    const workerUrl = /Metrics at (http:\S+)/.exec(worker.output())![1];
    await app.sendMany("add", Array.from({ length: 700 }, (_, i) => [i, 1]));
    await app.sendMany("fail", Array.from({ length: 200 }, (_, i) => [`no ${i}`]));
    await app.sendMany("retry_once", Array.from({ length: 100 }, () => []));
    const finished = async () => (await sql.unsafe(`select count(*)::int as n from "${schema}".results`))[0].n;
    await eventually(async () => (await finished()) === 1_000, 60_000, "1,000 results");

    const rows = await sql.unsafe(`select task, state, count(*)::int as jobs, sum(attempts)::int as attempts from "${schema}".results group by task, state`);
    const db = (task: string, state: string) => rows.find((r) => r.task === task && r.state === state) ?? { jobs: 0, attempts: 0 };
    assert.equal(db("add", "SUCCESS").jobs, 700);
    assert.equal(db("fail", "FAILURE").jobs, 200);
    assert.equal(db("retry_once", "SUCCESS").jobs, 100);
    const attempts = rows.reduce((sum, r) => sum + r.attempts, 0);

    // Counted once the outcome is stored: the last batch may be a moment behind its results.
    let scraped = await scrape(workerUrl);
    await eventually(async () => {
      scraped = await scrape(workerUrl);
      return histogramCount(scraped.text, "tq_job_run_duration_seconds") === attempts;
    }, 5_000, "every attempt counted");
    const { families, text, contentType } = scraped;
    assert.match(contentType, /^text\/plain; version=0\.0\.4/);
    assert.equal(total(families, "tq_jobs_succeeded_total", { task: "add", queue: "default" }), db("add", "SUCCESS").jobs);
    assert.equal(total(families, "tq_jobs_succeeded_total", { task: "retry_once" }), db("retry_once", "SUCCESS").jobs);
    assert.equal(total(families, "tq_jobs_failed_total", { task: "fail" }), db("fail", "FAILURE").jobs);
    assert.equal(total(families, "tq_jobs_failed_total"), 200);
    // Each retry_once job took two attempts: one retried, one succeeded.
    assert.equal(total(families, "tq_jobs_retried_total", { task: "retry_once" }), db("retry_once", "SUCCESS").attempts - 100);
    assert.equal(total(families, "tq_jobs_retried_total"), 100);
    assert.equal(total(families, "tq_jobs_started_total"), attempts);
    assert.equal(total(families, "tq_jobs_discarded_total"), 0);
    // Every claim's pickup latency and every run's duration is observed.
    assert.equal(histogramCount(text, "tq_job_pickup_latency_seconds", { queue: "default" }), attempts);
    assert.equal(histogramCount(text, "tq_job_run_duration_seconds", { task: "fail" }), 200);
    assert.equal(families.find((f) => f.name === "tq_job_run_duration_seconds")?.type, "HISTOGRAM");
    assert.equal(total(families, "tq_worker_concurrency"), 20);
    for (const family of families) assert.match(family.name, /^tq_[a-z_]+$/, "names follow Prometheus conventions");

    await dashboard.waitFor(/Dashboard at (http:\S+)/);
    const dashboardUrl = /Dashboard at (http:\S+?);/.exec(dashboard.output())![1];
    const cluster = (await scrape(`${dashboardUrl}metrics`)).families;
    assert.equal(total(cluster, "tq_queue_jobs", { queue: "default", state: "failed" }), 200);
    assert.equal(total(cluster, "tq_queue_jobs", { queue: "default", state: "ready" }), 0);
    assert.equal(total(cluster, "tq_workers_alive"), 1);
    assert.equal(total(cluster, "tq_queue_consumers", { queue: "default" }), 1);

    // A job that waits shows in the gauges at the next scrape.
    await app.sendTask("add", [1, 2], { queue: "nobody" });
    const later = (await scrape(`${dashboardUrl}metrics`)).families;
    assert.equal(total(later, "tq_queue_jobs", { queue: "nobody", state: "ready" }), 1);
    assert.equal(total(later, "tq_queue_consumers", { queue: "nobody" }), 0);
  } finally {
    worker.kill("SIGTERM");
    dashboard.kill("SIGTERM");
    await Promise.all([worker.exited, dashboard.exited]);
    await sql.end();
    await app.close();
    await dropSchema(schema);
  }
});

test("--metrics-port rejects what is not a port, and --metrics-host needs it", async () => {
  const bad = runCli(["worker", "-A", "tests/fixtures/tasks.ts", "--metrics-port", "70000"]);
  assert.equal(await bad.exited, 2);
  assert.match(bad.output(), /--metrics-port must be a TCP port \(0 for any free one\), got "70000"/);
  const lonely = runCli(["worker", "-A", "tests/fixtures/tasks.ts", "--metrics-host", "0.0.0.0"]);
  assert.equal(await lonely.exited, 2);
  assert.match(lonely.output(), /--metrics-host needs --metrics-port/);
});
