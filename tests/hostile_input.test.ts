/**
 * Hostile input (docs/security.md): generated task names, queue names,
 * groups, keys and payloads, made of SQL, JSON, placeholder and Unicode
 * trouble, go through send, claim, inspect and control. Each is either
 * refused with a TqError that says why, before anything is written, or
 * stored and claimed exactly as sent, once. Afterwards tq's schema is the
 * same as before. A fixed seed here (TQ_PROPERTY_SEED, TQ_PROPERTY_RUNS
 * change it; `npm run test:faults` runs it longer with a random seed).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { isDeepStrictEqual } from "node:util";
import { TqError } from "../mod.ts";
import { env } from "../core/runtime.ts";
import { dbClient, disposeApp, testApp } from "./_helpers.ts";

const RUNS = Number(env("TQ_PROPERTY_RUNS") ?? 20);
const SEED = Number(env("TQ_PROPERTY_SEED") ?? 20261202);
/** Items sent per run: RUNS × ITEMS generated names and payloads (10,000 by default). */
const ITEMS = 500;

/** Strings that have broken queues: SQL, quoting, placeholders, JSON, control and odd Unicode. */
const nasty = fc.oneof(
  fc.constantFrom(
    "'; drop table jobs; --", `"; drop schema tq cascade; --`, "' or '1'='1", "$1", "$$", "\\", "\\'", "{{schema}}", "%s%s%n", "\u0000", "\ud800",
    "null", "undefined", "__proto__", "constructor", "{\"v\":2}", "tq.map", "..", "a".repeat(201), "", " ", "\n", "😀", "\u202e", "Robert'); --",
  ),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
);
const payload = fc.jsonValue({ maxDepth: 3 });

const item = fc.record({
  task: nasty,
  queue: fc.oneof(nasty, fc.constant("default")),
  group: fc.option(nasty, { nil: undefined }),
  uniqueKey: fc.option(nasty, { nil: undefined }),
  args: fc.array(fc.oneof(payload, nasty), { maxLength: 3 }),
  kwargs: fc.option(fc.dictionary(nasty, payload, { maxKeys: 3 }), { nil: undefined }),
});

test(`hostile names and payloads (${RUNS} × ${ITEMS}): each refused with a TqError or stored and claimed exactly once; the schema is unchanged`, async () => {
  const app = testApp("hostile");
  const sql = dbClient();
  const catalogue = async () =>
    (await sql.unsafe(
      `select c.relkind::text || ':' || c.relname || ':' || coalesce((select string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ',' order by a.attnum)
                                                                       from pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped), '') as object
       from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1
       union all select 'f:' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = $1
       order by 1`,
      [app.config.schema],
    )).map((r) => r.object as string);
  try {
    await app.migrate();
    const before = await catalogue();
    let stored = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(item, { minLength: ITEMS, maxLength: ITEMS }), async (items) => {
        // Per job id, the sends that got it: several when they shared a unique key (one of them made the job).
        const sent = new Map<string, { task: string; queue: string; args: unknown }[]>();
        // Sent at once, as a busy web application sends them.
        await Promise.all(items.map(async (it) => {
          try {
            const result = await app.sendTask(it.task, it.args, {
              queue: it.queue,
              ...(it.group === undefined ? {} : { group: it.group }),
              ...(it.uniqueKey === undefined ? {} : { uniqueKey: it.uniqueKey }),
              ...(it.kwargs === undefined ? {} : { kwargs: it.kwargs }),
            });
            sent.set(result.id, [...(sent.get(result.id) ?? []), { task: it.task, queue: it.queue, args: JSON.parse(JSON.stringify(it.args)) }]);
            stored++;
          } catch (error) {
            // Refused before anything is written, saying why: never a driver or server error.
            if (!(error instanceof TqError) || error.code === "DATABASE_ERROR") throw error;
            assert.ok(error.message.length > 0);
            refused++;
          }
        }));
        // Inspect and control with the same names.
        await app.inspect.queues();
        for (const it of items.slice(0, 5)) {
          try {
            await app.control.pause({ task: it.task });
            await app.control.resume({ task: it.task });
          } catch (error) {
            if (!(error instanceof TqError) || error.code === "DATABASE_ERROR") throw error;
          }
        }
        // Everything stored is claimed once, as sent.
        const queues = [...new Set([...sent.values()].flat().map((s) => s.queue))];
        // The tasks a worker could have: those whose jobs were stored (a name tq refuses to send, no worker can register).
        const tasks = [...new Set([...sent.values()].flat().map((s) => s.task))];
        const claimed = new Map<string, unknown>();
        for (;;) {
          const { jobs } = await app.transport.jobClaim({ queues, limit: 500, workerId: "test:hostile", leaseMs: 60_000, tasks, maxAttempts: {}, startNow: 0 });
          if (jobs.length === 0) break;
          for (const job of jobs) {
            assert.ok(!claimed.has(job.id), `job ${job.id} claimed twice`);
            claimed.set(job.id, job.message);
          }
        }
        for (const [id, senders] of sent) {
          const message = claimed.get(id) as { task: string; args: unknown } | undefined;
          assert.ok(message, `job ${id} of task ${JSON.stringify(senders[0].task)} was stored but not claimed`);
          // Equal as values (jsonb orders object keys its own way).
          assert.ok(senders.some((s) => isDeepStrictEqual([s.task, s.args], [message.task, message.args])), `job ${id} holds what one of its senders sent: ${JSON.stringify(message)}`);
        }
        const [first] = sent.keys();
        if (first) await app.why(first);
        await sql.unsafe(`delete from "${app.config.schema}".jobs; delete from "${app.config.schema}".uniques`);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    assert.deepEqual(await catalogue(), before, "tq's tables, columns, indexes and functions are as the migrations left them");
    assert.ok(stored > 0 && refused > 0, `both kinds were generated: ${stored} stored, ${refused} refused`);
  } finally {
    await sql.end();
    await disposeApp(app);
  }
});
