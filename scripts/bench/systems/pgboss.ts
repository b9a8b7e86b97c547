/**
 * pg-boss 12 behind the bench interface, tuned for throughput: a queue with
 * `notify` (LISTEN/NOTIFY wakes idle workers), workers that fetch batches and
 * keep fetching while batches come back full. See pgboss_worker.ts.
 *
 * The library comes from bench/node_modules (`npm install --prefix bench`),
 * imported only in setup() so a bench run without peers does not need it.
 */
import postgres from "postgres";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { DATABASE_URL, spawnWorker, type BenchSystem } from "../system.ts";

const WORKER = fileURLToPath(new URL("./pgboss_worker.ts", import.meta.url));
const LIB = fileURLToPath(new URL("../../../bench/node_modules/pg-boss/dist/index.js", import.meta.url));
/** Worker processes run on Bun: the bench's own when it runs on Bun, the repo's otherwise. */
const BUN = process.versions.bun ? process.execPath : fileURLToPath(new URL("../../../node_modules/.bin/bun", import.meta.url));
/** The one queue every job goes to. */
export const QUEUE = "bench";

/** Loads pg-boss from bench/node_modules, or says how to install it. */
export async function importPgBoss() {
  if (!existsSync(LIB)) throw new Error(`pg-boss is not installed at "${LIB}": run \`npm install --prefix bench\` first.`);
  return await import(LIB);
}

/** pg-boss with its throughput settings. */
export function pgbossSystem(): BenchSystem {
  const schema = `bench_pgboss_${crypto.randomUUID().replaceAll("-", "").slice(0, 8)}`;
  // deno-lint-ignore no-explicit-any
  let boss: any;
  let sql: postgres.Sql | undefined;
  const db = () => (sql ??= postgres(DATABASE_URL, { max: 1, onnotice: () => {} }));

  return {
    name: "pg-boss (batch fetch, notify)",
    async setup() {
      const { PgBoss } = await importPgBoss();
      // The producer only creates the schema, the queue and jobs: maintenance
      // and cron belong to the worker, as in a deployment with an API process.
      boss = new PgBoss({ connectionString: DATABASE_URL, schema, supervise: false, schedule: false, max: 2 });
      boss.on("error", (error: Error) => console.error(`pg-boss (producer): ${error.message}`));
      await boss.start();
      await boss.createQueue(QUEUE, { notify: true });
    },
    async enqueueBulk(n) {
      // insert() writes the whole array in one statement.
      await boss.insert(QUEUE, Array.from({ length: n }, (_, i) => ({ data: { i } })));
    },
    async enqueueOne(i, stamp) {
      await boss.send(QUEUE, stamp ? { i, stamp: true } : { i });
    },
    startWorker(concurrency, onStamp) {
      const env = { BENCH_DATABASE_URL: DATABASE_URL, BENCH_SCHEMA: schema, BENCH_CONCURRENCY: String(concurrency) };
      return spawnWorker([BUN, WORKER], env, /^ready$/, onStamp);
    },
    async pending() {
      // pg-boss keeps finished jobs (state completed and later); unfinished ones are created, retry, active.
      const [{ count }] = await db().unsafe(
        `select count(*)::int as count from ${schema}.job where name = $1 and state < 'completed'`,
        [QUEUE],
      );
      return count;
    },
    async teardown() {
      await boss?.stop({ graceful: false });
      boss = undefined;
      await db().unsafe(`drop schema if exists ${schema} cascade`);
      await sql?.end();
      sql = undefined;
    },
  };
}
