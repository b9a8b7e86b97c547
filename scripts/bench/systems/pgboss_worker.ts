/**
 * A pg-boss worker process for the bench: `work()` on the bench queue with a
 * no-op batch handler. pg-boss completes a batch in one statement once its
 * handler resolves, so jobs in flight = localConcurrency x batchSize.
 *
 * Env: BENCH_DATABASE_URL, BENCH_SCHEMA, BENCH_CONCURRENCY, and to tune
 * BENCH_BATCH (batchSize) and BENCH_LOCAL_CONCURRENCY (fetch loops).
 * Prints `ready` once working, `stamp <i> <ms>` when a stamp job starts.
 */
import { importPgBoss, QUEUE } from "./pgboss.ts";

const env = process.env;
const concurrency = Number(env.BENCH_CONCURRENCY ?? 10);
// Best of batchSize 10/50/200/500 x localConcurrency 1/2 draining 10,000 jobs on
// the 2-core machine: 200 x 2 (~13.7k jobs/s; 10 x 1 gave ~3.1k, 500 x 2 ~10.5k).
const batchSize = Number(env.BENCH_BATCH ?? 20 * concurrency);
const localConcurrency = Number(env.BENCH_LOCAL_CONCURRENCY ?? 2);

const { PgBoss } = await importPgBoss();
const boss = new PgBoss({
  connectionString: env.BENCH_DATABASE_URL,
  schema: env.BENCH_SCHEMA,
  migrate: false, // the bench's setup() installed the schema
  useListenNotify: true, // wake on the queue's NOTIFY instead of the next poll
});
boss.on("error", (error: Error) => console.error(`pg-boss (worker): ${error.message}`));
await boss.start();
await boss.work(
  QUEUE,
  {
    batchSize,
    localConcurrency,
    pollingIntervalSeconds: 0.5, // its minimum; the fallback when NOTIFY is unavailable
    notifyPollingIntervalSeconds: 1, // the backstop poll while NOTIFY works, as the floor's
    burstWhenBatchFull: true, // fetch again at once while batches come back full
  },
  async (jobs: { data: { i: number; stamp?: boolean } }[]) => {
    // pg-boss has no per-job limit inside a batch: its no-op handlers all run
    // together. For no-ops that changes nothing but the number in flight.
    // deno-lint-ignore require-await -- a handler returns a promise, as real ones do
    await Promise.all(jobs.map(async (job) => {
      if (job.data.stamp) console.log(`stamp ${job.data.i} ${Date.now()}`);
    }));
  },
);
console.log("ready");

process.on("SIGTERM", async () => {
  await boss.stop({ graceful: true, timeout: 5_000 });
  process.exit(0);
});
