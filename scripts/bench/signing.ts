/**
 * W11: what message signing costs (docs/security.md). Per message: signing
 * and verifying a typical message (µs, in this process). Then, as ratios to
 * the same without signing, in alternating pairs: sending 20,000 jobs with a
 * signing key, and one worker process (concurrency 10) draining 20,000 jobs
 * with verify keys (every claim screened, every completion recording its
 * id). Medians of `--runs` pairs.
 *
 *   bun scripts/bench/signing.ts [--runs 3] [--jobs 20000]
 *
 * Also `bun scripts/bench.ts --only W11`. Uses TQ_DATABASE_URL.
 */
import { generateKeyPair, parseSigningKey, parseVerifyKey } from "../../core/security/keys.ts";
import { MessageSigner } from "../../core/security/signer.ts";
import { MessageVerifier } from "../../core/security/verifier.ts";
import { buildMessage } from "../../core/sending.ts";
import { drainRate, fill, fresh } from "./backlog.ts";
import { flag } from "./system.ts";

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];

/** Microseconds to sign, and to verify, one message like a bench job's (`n` of each, in parallel batches of 100). */
async function perMessage(keys: { signingKey: string; verifyKey: string }, n: number): Promise<{ sign_us: number; verify_us: number }> {
  const signer = await MessageSigner.create(parseSigningKey(keys.signingKey, "bench"));
  const verifier = await MessageVerifier.create([parseVerifyKey(keys.verifyKey, "bench")], 60_000);
  const messages = Array.from({ length: n }, (_, i) => buildMessage("noop", [i, { user: `u${i}`, plan: "pro" }], {}, undefined, { defaultQueue: "default", clock: i }));
  let started = performance.now();
  for (let i = 0; i < n; i += 100) await signer.signAll(messages.slice(i, i + 100));
  const sign = (performance.now() - started) * 1000 / n;
  started = performance.now();
  const now = Date.now();
  for (let i = 0; i < n; i += 100) {
    const problems = await Promise.all(messages.slice(i, i + 100).map((m) => verifier.check(m.id, m, now)));
    if (problems.some(Boolean)) throw new Error(`a bench message did not verify: ${problems.find(Boolean)?.message}`);
  }
  return { sign_us: Math.round(sign), verify_us: Math.round((performance.now() - started) * 1000 / n) };
}

async function sendRate(jobs: number, signingKey?: string): Promise<number> {
  const app = await fresh();
  try {
    if (signingKey) app.setupSecurity({ signingKey });
    const started = performance.now();
    await fill(app, jobs);
    return jobs / ((performance.now() - started) / 1000);
  } finally {
    await app.transport.uninstall();
    await app.close();
  }
}

async function drainOnce(jobs: number, keys?: { signingKey: string; verifyKey: string }): Promise<number> {
  const app = await fresh();
  try {
    if (keys) app.setupSecurity({ signingKey: keys.signingKey });
    await fill(app, jobs);
    return await drainRate(app, jobs, keys ? { TQ_SIGNING_KEY: keys.signingKey, TQ_VERIFY_KEYS: keys.verifyKey } : {});
  } finally {
    await app.transport.uninstall();
    await app.close();
  }
}

/** Runs W11 and returns its figures. */
export async function signingWorkload(options: { runs: number; jobs: number }): Promise<Record<string, number>> {
  const keys = await generateKeyPair();
  const micro = await perMessage(keys, 10_000);
  const rates = { send_plain: [] as number[], send_signed: [] as number[], drain_plain: [] as number[], drain_verified: [] as number[] };
  for (let run = 0; run < options.runs; run++) {
    rates.send_plain.push(await sendRate(options.jobs));
    rates.send_signed.push(await sendRate(options.jobs, keys.signingKey));
    rates.drain_plain.push(await drainOnce(options.jobs));
    rates.drain_verified.push(await drainOnce(options.jobs, keys));
  }
  const m = Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, median(v)])) as Record<keyof typeof rates, number>;
  return {
    ...micro,
    send_plain_jobs_s: Math.round(m.send_plain),
    send_signed_jobs_s: Math.round(m.send_signed),
    send_ratio: Number((m.send_signed / m.send_plain).toFixed(2)),
    drain_plain_jobs_s: Math.round(m.drain_plain),
    drain_verified_jobs_s: Math.round(m.drain_verified),
    drain_ratio: Number((m.drain_verified / m.drain_plain).toFixed(2)),
  };
}

if (import.meta.main) {
  const figures = await signingWorkload({ runs: Number(flag("--runs") ?? 3), jobs: Number(flag("--jobs") ?? 20_000) });
  console.log(Object.entries(figures).map(([k, v]) => `${k}=${v}`).join("  "));
}
