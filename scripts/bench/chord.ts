/**
 * W7: what a chord costs. The same worker processes first drain 10,000 plain
 * no-op jobs, then run a chord of 10,000 no-op members whose callback
 * (`tally`) gets their results. Times come from the database's own stamps:
 * each run starts at `clock_timestamp()` read just before sending, a job's
 * end is its result's `finished_at` (the start of the completion statement
 * that stored it), and the callback's start is its `started_at` (the claim).
 *
 * Then two statements are replayed alone, each in a transaction rolled back,
 * on the chord just run (the fastest of 3 tries each, as the first also
 * plans): the counter update of one completion batch of the run's average
 * size (`canvas_ended()`, which the completion statement calls for the
 * members it records) and the fire statement (chord_fire.sql).
 */
import { loadavg } from "node:os";
import postgres from "postgres";
import { type App, chord, group } from "../../mod.ts";
import { renderSql } from "../../transports/postgres/_render.ts";
import { type BenchSystem, type BenchWorker, DATABASE_URL } from "./system.ts";
import { tqSystem } from "./systems/tq.ts";

type Figures = Record<string, number>;

const MEMBERS = 10_000;
const CONCURRENCY = 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** W7 with `workers` worker processes at concurrency 10 each. */
export async function chordWorkload(workers = 1): Promise<Figures> {
  const system = tqSystem({ ignoreResult: false });
  const processes: BenchWorker[] = [];
  await system.setup();
  const app = system.app();
  const schema = app.config.schema;
  const sql = postgres(DATABASE_URL, { max: 2, onnotice: () => {} });
  try {
    const starting = Array.from({ length: workers }, () => system.startWorker(CONCURRENCY, () => {}));
    processes.push(...await Promise.all(starting));
    const load = loadavg()[0];

    // 10,000 plain jobs before the chord and 10,000 after it (the machine's
    // load drifts; their mean is what the chord is compared with).
    const plainBefore = await plainMs(system, sql);
    // A chord of 10,000 members, from the send to the callback's result.
    const members = Array.from({ length: MEMBERS }, (_, i) => app.signature("noop", [i]));
    const [chordStart] = await sql`select clock_timestamp() as at`;
    const sendStart = performance.now();
    const handle = await chord(group(members), app.signature("tally")).delay();
    const chordSendMs = performance.now() - sendStart;
    const counted = await handle.get({ timeout: 120_000 });
    if (counted !== MEMBERS) throw new Error(`W7: the callback counted ${counted} results, not ${MEMBERS}.`);
    const memberIds = (handle.parent as { results: { id: string }[] }).results.map((r) => r.id);
    const [stamps] = await sql.unsafe(
      `select max(m.finished_at) as last_member, count(distinct m.finished_at)::int as batches,
              c.sent_at as fired, c.started_at as callback_start, c.finished_at as callback_end
       from "${schema}".results m, "${schema}".results c
       where m.id = any($1::uuid[]) and c.id = $2::uuid
       group by c.sent_at, c.started_at, c.finished_at`,
      [memberIds, handle.id],
    );
    const chordMs = stamps.callback_end.getTime() - chordStart.at.getTime();
    const plainAfter = await plainMs(system, sql);
    const plain = (plainBefore.total + plainAfter.total) / 2;
    const batchSize = Math.round(MEMBERS / stamps.batches);

    // The two chord statements alone, each rolled back.
    const rendered = renderSql(schema);
    const counterMs = await rolledBack(sql, async (tx) => {
      await tx.unsafe("set local plan_cache_mode = force_generic_plan"); // as tq's own connections
      // One batch of the run's average size, built in the database as the completion statement builds it.
      const batch = memberIds.slice(0, batchSize);
      const times: number[] = [];
      for (let i = 0; i < 3; i++) {
        await tx.unsafe(`update "${schema}".chords set state = 'open', remaining = $2 where id = $1::uuid`, [handle.id, MEMBERS]);
        const t = performance.now();
        await tx.unsafe(
          `select "${schema}".canvas_ended((
             select jsonb_agg(jsonb_build_object('id', m.id, 'state', 'SUCCESS', 'error', null, 'message', jsonb_build_object(
               'v', 1, 'id', m.id, 'task', 'noop', 'args', jsonb_build_array(m.n), 'kwargs', '{}'::jsonb, 'queue', 'default',
               'priority', 5, 'retries', 0, 'rootId', m.id, 'chord', jsonb_build_object('id', $2::uuid))))
             from unnest($1::uuid[]) with ordinality as m(id, n)), 604800000)`,
          [batch, handle.id],
        );
        times.push(performance.now() - t);
      }
      return Math.min(...times); // the first call also compiles the PL/pgSQL function
    });
    const fireMs = await rolledBack(sql, async (tx) => {
      await tx.unsafe("set local plan_cache_mode = force_generic_plan");
      const times: number[] = [];
      for (let i = 0; i < 3; i++) {
        await tx.unsafe(`update "${schema}".chords set state = 'ready' where id = $1::uuid`, [handle.id]);
        await tx.unsafe(`delete from "${schema}".jobs where id = $1::uuid`, [handle.id]);
        const t = performance.now();
        const [row] = await tx.unsafe(rendered.queries.chordFire, [[handle.id], 0]);
        times.push(performance.now() - t);
        if (row.fired !== 1) throw new Error("W7: the replayed fire statement fired nothing.");
      }
      return Math.min(...times); // the first run on this connection also plans the statement
    });

    const ms = (a: Date, b: Date) => a.getTime() - b.getTime();
    return {
      plain_jobs_s: MEMBERS / (plain / 1000),
      chord_members_s: MEMBERS / (chordMs / 1000),
      chord_pct_of_plain: (plain / chordMs) * 100,
      plain_send_ms: (plainBefore.send + plainAfter.send) / 2,
      chord_send_ms: chordSendMs,
      last_member_to_callback_ms: ms(stamps.callback_start, stamps.last_member),
      last_member_to_fire_ms: ms(stamps.fired, stamps.last_member),
      fire_to_callback_ms: ms(stamps.callback_start, stamps.fired),
      completion_batches: stamps.batches,
      counter_ms_per_batch: counterMs,
      fire_statement_ms: fireMs,
      load_1m: load,
    };
  } finally {
    for (const worker of processes) await worker.stop();
    await sql.end();
    await system.teardown();
  }
}

/** Sends 10,000 plain no-op jobs at once; ms from the send to the last one's result, and of the send alone. */
async function plainMs(system: BenchSystem & { app(): App }, sql: postgres.Sql): Promise<{ total: number; send: number }> {
  const [start] = await sql`select clock_timestamp() as at`;
  const t = performance.now();
  const sent = await system.app().sendMany("noop", Array.from({ length: MEMBERS }, (_, i) => [i]));
  const send = performance.now() - t;
  while ((await system.pending()) > 0) await sleep(20);
  const [row] = await sql.unsafe(
    `select count(*)::int as n, max(finished_at) as last from "${system.app().config.schema}".results where id = any($1::uuid[])`,
    [sent.map((r) => r.id)],
  );
  if (row.n !== MEMBERS) throw new Error(`W7: ${row.n} of ${MEMBERS} plain jobs have a result.`);
  return { total: row.last.getTime() - start.at.getTime(), send };
}

/** Runs `fn` in a transaction that is rolled back, and returns what `fn` returned. */
async function rolledBack<T>(sql: postgres.Sql, fn: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
  let value!: T;
  const rollback = new Error("rollback");
  await sql.begin(async (tx) => {
    value = await fn(tx);
    throw rollback;
  }).catch((error) => {
    if (error !== rollback) throw error;
  });
  return value;
}
