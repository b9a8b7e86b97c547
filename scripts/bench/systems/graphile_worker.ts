/**
 * A graphile-worker process for the bench, with one no-op task.
 *
 * Env: BENCH_DATABASE_URL, BENCH_SCHEMA, BENCH_CONCURRENCY, BENCH_TUNED ("1"
 * for the local queue and batched completion), and to tune those further
 * BENCH_LOCAL_QUEUE (size) and BENCH_COMPLETE_DELAY (ms).
 * Prints `ready` once running, `stamp <i> <ms>` when a stamp job starts.
 */
import { importGraphile } from "./graphile.ts";

const env = process.env;
const concurrency = Number(env.BENCH_CONCURRENCY ?? 10);
const tuned = env.BENCH_TUNED === "1";
// Local queue sizes 11..1000 draining 10,000 jobs at concurrency 10 on the
// 2-core machine: 11 ~1.4k jobs/s, 40 ~3.5k, 100 ~6.3k, 200 ~13.5k, 500 ~18k,
// 1000 ~21k; batch delay 0 vs 1 or 5 ms made no clear difference.
const localQueueSize = Number(env.BENCH_LOCAL_QUEUE ?? 50 * concurrency);
const completeDelay = Number(env.BENCH_COMPLETE_DELAY ?? 0);

const { run, Logger } = await importGraphile();
const runner = await run({
  connectionString: env.BENCH_DATABASE_URL,
  schema: env.BENCH_SCHEMA,
  concurrency,
  noHandleSignals: true, // SIGTERM is handled below, to exit once stopped
  logger: new Logger(() => (level: string, message: string) => {
    if (level === "error" || level === "warning") console.error(`graphile-worker ${level}: ${message}`);
  }),
  taskList: {
    // deno-lint-ignore require-await -- a handler returns a promise, as real ones do
    noop: async (payload: { i: number; stamp?: boolean }) => {
      if (payload.stamp) console.log(`stamp ${payload.i} ${Date.now()}`);
    },
  },
  preset: tuned
    ? {
      worker: {
        localQueue: { size: localQueueSize },
        completeJobBatchDelay: completeDelay,
        failJobBatchDelay: completeDelay,
      },
    }
    : undefined,
});
console.log("ready");

process.on("SIGTERM", async () => {
  await runner.stop();
  process.exit(0);
});
