/**
 * Leases and the timings that follow them: `lease` alone is enough for any
 * lease (the heartbeat and the sweep default to a sixth of it, at most 5 s);
 * a heartbeat that is not well under the lease is refused with a message
 * naming both; beat's check interval, lease and backoff are options with
 * defaults that follow the check interval, checked the same way.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { App, ConfigError } from "../mod.ts";
import { optionsFromEnv, resolveConfig } from "../core/config.ts";
import { type CliProcess, dbClient, dropSchema, eventually, producerApp, startWorker, uniqueSchema } from "./_helpers.ts";

/** The resolved config for `env` as TQ_* variables and nothing else (not the test process's environment). */
function fromEnv(env: Record<string, string>) {
  return resolveConfig(optionsFromEnv((name) => env[name]));
}

test("TQ_LEASE alone sets the heartbeat and the sweep to a sixth of the lease, at most 5 s", () => {
  const short = fromEnv({ TQ_LEASE: "2s" });
  assert.equal(short.leaseMs, 2_000);
  assert.equal(short.heartbeatMs, 333, "a sixth of a 2 s lease");
  assert.equal(short.maintenanceMs, 333);

  const usual = fromEnv({});
  assert.deepEqual([usual.leaseMs, usual.heartbeatMs, usual.maintenanceMs], [30_000, 5_000, 5_000], "today's defaults for the default lease");

  const long = fromEnv({ TQ_LEASE: "10m" });
  assert.deepEqual([long.heartbeatMs, long.maintenanceMs], [5_000, 5_000], "capped at 5 s for long leases");

  const set = fromEnv({ TQ_LEASE: "2s", TQ_HEARTBEAT: "250ms", TQ_MAINTENANCE_INTERVAL: "1s" });
  assert.deepEqual([set.heartbeatMs, set.maintenanceMs], [250, 1_000], "what is set is kept");
});

test("a heartbeat that is not well under the lease is refused, naming both options, both values and what to do", () => {
  for (const [heartbeat, lease] of [["1s", "2s"], ["5s", "2s"], ["20s", "30s"]]) {
    assert.throws(() => new App({ heartbeat, lease }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      const message = (error as Error).message;
      assert.match(message, /Option "heartbeat" \(\d+ ms\) must be shorter than "lease" \(\d+ ms\) by more than half/);
      assert.match(message, /set heartbeat under \d+ ms/);
      assert.match(message, /leave heartbeat unset and it follows lease/);
      return true;
    });
  }
  // The same refusal when the pair comes from the environment.
  assert.throws(() => fromEnv({ TQ_LEASE: "2s", TQ_HEARTBEAT: "1s" }), /"heartbeat" \(1000 ms\) must be shorter than "lease" \(2000 ms\)/);
  assert.throws(() => new App({ lease: 0 }), /Option "lease" must be a duration longer than 0/);
  // Just under half passes.
  assert.equal(resolveConfig({ lease: "2s", heartbeat: 999 }).heartbeatMs, 999);
});

test("the timings the test scripts and helpers set pass validation", () => {
  // scripts/test.sh on the embedded database, and the process tests' fast settings.
  assert.equal(fromEnv({ TQ_HEARTBEAT: "1000", TQ_POLL_INTERVAL: "250" }).heartbeatMs, 1_000);
  assert.equal(fromEnv({ TQ_LEASE: "1500", TQ_HEARTBEAT: "300", TQ_MAINTENANCE_INTERVAL: "300", TQ_POLL_INTERVAL: "200" }).heartbeatMs, 300);
  for (const options of [{ heartbeat: 300, lease: 3_000, pollInterval: 100 }, { heartbeat: 200, lease: 5_000 }, { resultTtl: 200, maintenanceInterval: 100 }]) {
    assert.doesNotThrow(() => resolveConfig(options));
  }
});

test("beat's check interval, lease and backoff are options: defaults follow the check interval, impossible pairs are refused", () => {
  const usual = fromEnv({});
  assert.deepEqual([usual.beatCheckIntervalMs, usual.beatLeaseMs, usual.beatMaxBackoffMs], [1_000, 5_000, 5_000]);
  const slow = fromEnv({ TQ_BEAT_CHECK_INTERVAL: "10s" });
  assert.deepEqual([slow.beatLeaseMs, slow.beatMaxBackoffMs], [50_000, 10_000], "five check intervals, and the backoff starts at one");
  const set = fromEnv({ TQ_BEAT_CHECK_INTERVAL: "500ms", TQ_BEAT_LEASE: "3s", TQ_BEAT_MAX_BACKOFF: "30s" });
  assert.deepEqual([set.beatCheckIntervalMs, set.beatLeaseMs, set.beatMaxBackoffMs], [500, 3_000, 30_000]);

  assert.throws(() => new App({ beatCheckInterval: "2s", beatLease: "3s" }), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.match((error as Error).message, /Option "beatLease" \(3000 ms\) must be at least twice "beatCheckInterval" \(2000 ms\).*raise beatLease to 4000 ms/);
    return true;
  });
  assert.throws(() => new App({ beatCheckInterval: "2s", beatMaxBackoff: "1s" }), /Option "beatMaxBackoff" \(1000 ms\) must be at least "beatCheckInterval" \(2000 ms\)/);
  assert.throws(() => new App({ beatCheckInterval: 0 }), /Option "beatCheckInterval" must be at least 10 ms/);
  assert.throws(() => new App({ beatLease: "soon" }), /Option "beatLease" must be a duration/);
});

test("with TQ_LEASE=2s alone, a worker keeps a job that runs three leases long, and runs it once", async () => {
  const schema = uniqueSchema("lease2s");
  const app = await producerApp(schema);
  const sql = dbClient();
  let worker: CliProcess | undefined;
  try {
    // Empty values unset what the test environment may set (scripts/test.sh sets TQ_HEARTBEAT).
    worker = await startWorker(schema, ["--queues", "slow"], { TQ_LEASE: "2s", TQ_HEARTBEAT: "", TQ_MAINTENANCE_INTERVAL: "", TQ_POLL_INTERVAL: "200" });
    const result = await app.sendTask<number>("sleepy", [6_000], { queue: "slow" });
    // A second worker with the same settings: it would take the job if its lease ran out.
    const other = await startWorker(schema, ["--queues", "slow"], { TQ_LEASE: "2s", TQ_HEARTBEAT: "", TQ_MAINTENANCE_INTERVAL: "", TQ_POLL_INTERVAL: "200" });
    try {
      assert.equal(await result.get({ timeout: 30_000 }), 6_000);
    } finally {
      other.kill("SIGTERM");
      await other.exited;
    }
    const record = await result.record();
    assert.equal(record.attempts, 1, "claimed once: its lease never ran out");
    const starts = await sql.unsafe(`select count(*)::int as n from "${schema}".runs where label = 'start'`);
    assert.equal(starts[0].n, 1, "it started once");
    assert.doesNotMatch(worker.output(), /lost its lease|LeaseLost/);
  } finally {
    worker?.kill("SIGTERM");
    await worker?.exited;
    await sql.end();
    await app.close();
    await dropSchema(schema);
  }
});

test("with TQ_LEASE=2s alone, the job of a worker killed with SIGKILL runs again within seconds", async () => {
  const schema = uniqueSchema("lease2k");
  const app = await producerApp(schema);
  const sql = dbClient();
  const env = { TQ_LEASE: "2s", TQ_HEARTBEAT: "", TQ_MAINTENANCE_INTERVAL: "", TQ_POLL_INTERVAL: "200" };
  const workers: CliProcess[] = [];
  try {
    const victim = await startWorker(schema, ["--queues", "slow"], env);
    workers.push(victim);
    const result = await app.sendTask<number>("sleepy", [500], { queue: "slow" });
    await eventually(async () => (await sql.unsafe(`select 1 from "${schema}".runs where label = 'start'`)).length === 1, 20_000, "the task to start");
    victim.kill("SIGKILL");
    await victim.exited;
    const killedAt = Date.now();
    workers.push(await startWorker(schema, ["--queues", "slow"], env));
    assert.equal(await result.get({ timeout: 30_000 }), 500);
    const seconds = (Date.now() - killedAt) / 1000;
    // Lease 2 s, sweep every 333 ms (a sixth of the lease), plus the new worker's start.
    assert.ok(seconds < 15, `ran again ${seconds.toFixed(1)} s after the kill`);
    assert.equal((await result.record()).attempts, 2);
  } finally {
    for (const w of workers) {
      if (w.running()) w.kill("SIGKILL");
      await w.exited;
    }
    await sql.end();
    await app.close();
    await dropSchema(schema);
  }
});
