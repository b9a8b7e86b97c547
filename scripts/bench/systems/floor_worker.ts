/**
 * The floor's worker process: one claimer that locks `batch` rows per
 * statement into a local buffer, up to `concurrency` no-op handlers fed from
 * it, and one deleter that removes finished ids a batch at a time. Claims and
 * deletes overlap (separate connections), so neither waits for the other.
 *
 * Env: BENCH_DATABASE_URL, BENCH_SCHEMA, BENCH_CHANNEL, BENCH_CONCURRENCY, BENCH_BATCH.
 * Prints `ready` once listening, `stamp <i> <ms>` when a stamp job starts.
 */
import postgres from "postgres";

const env = process.env;
const schema = env.BENCH_SCHEMA!;
const channel = env.BENCH_CHANNEL!;
const concurrency = Number(env.BENCH_CONCURRENCY ?? 10);
const batch = Number(env.BENCH_BATCH ?? 10);
/** Fallback poll when no notification arrives (a lost one, or jobs due later). */
const POLL_MS = 1_000;

// Two for queries (a claim and a delete in flight at once) plus LISTEN's own connection.
const sql = postgres(env.BENCH_DATABASE_URL!, { max: 2, onnotice: () => {} });

// Why `locked` and not a transaction held open: the claim commits at once, so
// the buffer can hold rows while other claims and deletes run.
const CLAIM = `update ${schema}.jobs set locked = true
  where id in (select id from ${schema}.jobs where not locked and run_at <= now()
               order by id limit $1 for update skip locked)
  returning id, payload`;

type Job = { id: string; payload: { i: number; stamp?: boolean } };
const buffer: Job[] = [];
const done: string[] = [];
let running = 0;
let deleting: Promise<void> | undefined;
let stopping = false;
let wake: (() => void) | undefined;
let notified = false;
let roomFreed: (() => void) | undefined;

function nudge() {
  notified = true;
  wake?.();
}

/** Waits for a notification, a freed slot, or the fallback poll. */
function idle(ms: number) {
  if (notified) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(done_, ms);
    function done_() {
      clearTimeout(timer);
      wake = undefined;
      resolve();
    }
    wake = done_;
  });
}

// deno-lint-ignore require-await -- a handler returns a promise, as real ones do
async function handle(job: Job) {
  // The no-op handler: only stamp jobs say when they start.
  if (job.payload.stamp) console.log(`stamp ${job.payload.i} ${Date.now()}`);
}

function pump() {
  while (running < concurrency && buffer.length > 0) {
    const job = buffer.shift()!;
    running++;
    handle(job).finally(() => {
      running--;
      done.push(job.id);
      flushDeletes();
      pump();
      if (buffer.length <= concurrency) roomFreed?.(); // the buffer runs low: claim again
    });
  }
}

/** One delete in flight at a time; ids finished meanwhile go in the next one. */
function flushDeletes() {
  if (deleting || done.length === 0) return;
  const ids = done.splice(0);
  deleting = sql.unsafe(`delete from ${schema}.jobs where id = any($1::bigint[])`, [ids]).then(() => {
    deleting = undefined;
    flushDeletes();
  });
}

async function claimLoop() {
  while (!stopping) {
    // Keep at most about one batch beyond what the handlers can take, so a
    // claim is in flight while handlers drain the buffer, without hoarding.
    if (buffer.length > concurrency) {
      await new Promise<void>((resolve) => (roomFreed = resolve));
      roomFreed = undefined;
      continue;
    }
    notified = false;
    const rows = (await sql.unsafe(CLAIM, [batch])) as unknown as Job[];
    buffer.push(...rows);
    pump();
    // A short batch means the table is drained: sleep until notified.
    if (rows.length < batch) await idle(POLL_MS);
  }
}

await sql.listen(channel, nudge);
const loop = claimLoop();
console.log("ready");

process.on("SIGTERM", async () => {
  stopping = true;
  wake?.();
  roomFreed?.();
  await loop;
  // Hand unstarted jobs back, let running ones finish, then flush their deletes.
  if (buffer.length) await sql.unsafe(`update ${schema}.jobs set locked = false where id = any($1::bigint[])`, [buffer.splice(0).map((j) => j.id)]);
  while (running > 0 || deleting || done.length) {
    flushDeletes();
    await (deleting ?? new Promise((r) => setTimeout(r, 5)));
  }
  await sql.end();
  process.exit(0);
});
