/**
 * The floor: a minimal hand-written SKIP LOCKED queue on postgres.js, the
 * least work Postgres needs per job (one claim per batch, one delete per batch
 * of finished jobs). It is what a queue could reach on this machine, so the
 * table can say how close tq and the peers come to it.
 */
import postgres from "postgres";
import { fileURLToPath } from "node:url";
import { DATABASE_URL, spawnWorker, type BenchSystem } from "../system.ts";

const WORKER = fileURLToPath(new URL("./floor_worker.ts", import.meta.url));
/** Worker processes run on Bun: the bench's own when it runs on Bun, the repo's otherwise. */
const BUN = process.versions.bun ? process.execPath : fileURLToPath(new URL("../../../node_modules/.bin/bun", import.meta.url));

/**
 * A payload the size and shape of a tq message (about 260 bytes of JSON), so
 * enqueue can be compared on the same bytes; "tiny" is `{ i }`.
 */
function messagePayload(i: number): Record<string, unknown> {
  const id = crypto.randomUUID();
  return {
    v: 1, id, task: "noop", args: [i], kwargs: {}, queue: "default", priority: 5, retries: 0, rootId: id,
    origin: { host: "bench", pid: 1 }, clock: i, sentAt: new Date().toISOString(),
  };
}

/** The floor with a worker that claims `batch` rows per statement, storing `payload`-sized jobs. */
export function floorSystem(batch: number, payload: "tiny" | "message" = "tiny"): BenchSystem {
  const schema = `bench_floor_${crypto.randomUUID().replaceAll("-", "").slice(0, 8)}`;
  // One channel per run, so a floor worker of another run is not woken.
  const channel = `${schema}_jobs`;
  let sql: postgres.Sql | undefined;
  const db = () => (sql ??= postgres(DATABASE_URL, { max: 2, onnotice: () => {} }));

  return {
    name: payload === "tiny" ? `floor (batch ${batch})` : `floor (batch ${batch}, message payload)`,
    async setup() {
      await db().unsafe(`
        create schema ${schema};
        create table ${schema}.jobs (
          id bigint generated always as identity primary key,
          payload jsonb not null,
          run_at timestamptz not null default now(),
          locked boolean not null default false
        );`);
    },
    async enqueueBulk(n) {
      const payloads = Array.from({ length: n }, (_, i) => (payload === "tiny" ? { i } : messagePayload(i)));
      // One statement for the batch, and one notification for it, not one per
      // row; each element made jsonb on its own, the quickest way in.
      await db().unsafe(
        `with ins as (insert into ${schema}.jobs (payload) select value::jsonb from json_array_elements($1::text::json) returning 1)
         select pg_notify($2, '') from (select 1 from ins limit 1) x`,
        [JSON.stringify(payloads), channel],
      );
    },
    async enqueueOne(i, stamp) {
      // Insert and notify in one statement: one round trip, like a queue's send().
      await db().unsafe(
        `with ins as (insert into ${schema}.jobs (payload) values ($1::text::jsonb) returning 1)
         select pg_notify($2, '') from ins`,
        [JSON.stringify(stamp ? { i, stamp: true } : { i }), channel],
      );
    },
    startWorker(concurrency, onStamp) {
      const env = {
        BENCH_DATABASE_URL: DATABASE_URL,
        BENCH_SCHEMA: schema,
        BENCH_CHANNEL: channel,
        BENCH_CONCURRENCY: String(concurrency),
        BENCH_BATCH: String(batch),
      };
      return spawnWorker([BUN, WORKER], env, /^ready$/, onStamp);
    },
    async pending() {
      // Finished jobs are deleted, so every row left is unfinished.
      const [{ count }] = await db().unsafe(`select count(*)::int as count from ${schema}.jobs`);
      return count;
    },
    async teardown() {
      await db().unsafe(`drop schema if exists ${schema} cascade`);
      await sql?.end();
      sql = undefined;
    },
  };
}
