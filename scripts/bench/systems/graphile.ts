/**
 * graphile-worker 0.18 behind the bench interface. `tuned` turns on what its
 * docs recommend for many short jobs: a local queue (the pool fetches and
 * locks a batch of jobs at once) and batched completion (one statement
 * completes the jobs that finished within a few ms). Untuned is its defaults.
 *
 * The library comes from bench/node_modules (`npm install --prefix bench`),
 * imported only in setup() so a bench run without peers does not need it.
 */
import postgres from "postgres";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { DATABASE_URL, spawnWorker, type BenchSystem } from "../system.ts";

const WORKER = fileURLToPath(new URL("./graphile_worker.ts", import.meta.url));
const LIB = fileURLToPath(new URL("../../../bench/node_modules/graphile-worker/dist/index.js", import.meta.url));
/** Worker processes run on Bun: the bench's own when it runs on Bun, the repo's otherwise. */
const BUN = process.versions.bun ? process.execPath : fileURLToPath(new URL("../../../node_modules/.bin/bun", import.meta.url));

/** Loads graphile-worker from bench/node_modules, or says how to install it. */
export async function importGraphile() {
  if (!existsSync(LIB)) throw new Error(`graphile-worker is not installed at "${LIB}": run \`npm install --prefix bench\` first.`);
  return await import(LIB);
}

/** graphile-worker, at its defaults or with its local queue and batched completion. */
export function graphileSystem(options: { tuned: boolean }): BenchSystem {
  const schema = `bench_graphile_${crypto.randomUUID().replaceAll("-", "").slice(0, 8)}`;
  // deno-lint-ignore no-explicit-any
  let utils: any;
  let sql: postgres.Sql | undefined;
  const db = () => (sql ??= postgres(DATABASE_URL, { max: 1, onnotice: () => {} }));

  return {
    name: options.tuned ? "graphile-worker (local queue)" : "graphile-worker (defaults)",
    async setup() {
      const { makeWorkerUtils, Logger } = await importGraphile();
      const logger = new Logger(() => () => {}); // its info logs would drown the table
      utils = await makeWorkerUtils({ connectionString: DATABASE_URL, schema, logger });
      // Migrate here, once, so the worker process does not race a producer for it.
      await utils.migrate();
    },
    async enqueueBulk(n) {
      // addJobs is one call of the SQL function add_jobs for the whole array.
      await utils.addJobs(Array.from({ length: n }, (_, i) => ({ identifier: "noop", payload: { i } })));
    },
    async enqueueOne(i, stamp) {
      await utils.addJob("noop", stamp ? { i, stamp: true } : { i });
    },
    startWorker(concurrency, onStamp) {
      const env: Record<string, string> = {
        BENCH_DATABASE_URL: DATABASE_URL,
        BENCH_SCHEMA: schema,
        BENCH_CONCURRENCY: String(concurrency),
        BENCH_TUNED: options.tuned ? "1" : "0",
      };
      return spawnWorker([BUN, WORKER], env, /^ready$/, onStamp);
    },
    async pending() {
      // graphile-worker deletes a job when it completes; failed ones stay, but no-ops do not fail.
      const [{ count }] = await db().unsafe(`select count(*)::int as count from ${schema}._private_jobs`);
      return count;
    },
    async teardown() {
      await utils?.release();
      utils = undefined;
      await db().unsafe(`drop schema if exists ${schema} cascade`);
      await sql?.end();
      sql = undefined;
    },
  };
}
