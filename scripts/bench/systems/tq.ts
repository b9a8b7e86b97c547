/** tq behind the benchmark's interface: the real library, its worker in a process of its own. */
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { App } from "../../../mod.ts";
import { scriptCommand } from "../../../core/runtime.ts";
import { type BenchSystem, DATABASE_URL, spawnWorker } from "../system.ts";

const WORKER = fileURLToPath(new URL("./tq_worker.ts", import.meta.url));
/** Rows per bulk statement: a 100,000-job workload goes in a few statements. */
const BULK_CHUNK = 20_000;

/** tq; `ignoreResult` runs the no-op task that stores no result, as the peers keep none. */
export function tqSystem(options: { ignoreResult: boolean }): BenchSystem & { app(): App } {
  const task = options.ignoreResult ? "fire" : "noop";
  let app: App;
  let sql: postgres.Sql | undefined;
  // Jobs stored, against jobs finished as counted in queue_stats (a row per
  // queue, minute and worker): counting the jobs table instead would scan the
  // whole backlog every 50 ms, on the same two cores as the drain it times.
  let sent = 0;
  return {
    name: options.ignoreResult ? "tq (ignoreResult)" : "tq",
    app: () => app,
    async setup() {
      const schema = `bench_tq_${crypto.randomUUID().replaceAll("-", "").slice(0, 8)}`;
      app = new App({ name: "bench", databaseUrl: DATABASE_URL, schema, logLevel: "error" });
      await app.migrate();
      sent = 0;
    },
    async enqueueBulk(n) {
      for (let start = 0; start < n; start += BULK_CHUNK) {
        const size = Math.min(BULK_CHUNK, n - start);
        await app.sendMany(task, Array.from({ length: size }, (_, i) => [start + i]));
        sent += size;
      }
    },
    async enqueueOne(i, stamp) {
      await app.sendTask(stamp ? "stamp" : task, [i]);
      sent++;
    },
    startWorker(concurrency, onStamp) {
      const env = { TQ_DATABASE_URL: DATABASE_URL, TQ_SCHEMA: app.config.schema, TQ_LOG_LEVEL: "error", BENCH_CONCURRENCY: String(concurrency) };
      return spawnWorker(scriptCommand(WORKER), env, /^ready/, onStamp);
    },
    async pending() {
      sql ??= postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
      const [{ done }] = await sql.unsafe(`select coalesce(sum(succeeded + failed), 0)::int as done from "${app.config.schema}".queue_stats`);
      return sent - done;
    },
    async teardown() {
      await sql?.end();
      sql = undefined;
      await app.transport.uninstall();
      await app.close();
    },
  };
}
