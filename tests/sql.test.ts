import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { generatedPath, renderSqlModule } from "../scripts/gen_sql.ts";
import { App } from "../mod.ts";

test("the generated SQL module matches the .sql files (run `bun scripts/gen_sql.ts` after editing SQL)", () => {
  assert.equal(readFileSync(generatedPath, "utf8"), renderSqlModule());
});

test("configuration: env variables override options, and every bad value names its option", () => {
  const app = new App({ concurrency: 4, schema: "a" });
  const env: Record<string, string> = { TQ_CONCURRENCY: "12", TQ_SCHEMA: "b", TQ_LEASE: "45s", TQ_MIGRATE: "false" };
  app.configFromEnv((name) => env[name]);
  assert.equal(app.config.concurrency, 12);
  assert.equal(app.config.schema, "b");
  assert.equal(app.config.leaseMs, 45_000);
  assert.equal(app.config.migrate, false);
  assert.throws(() => app.configFromEnv((name) => (name === "TQ_MIGRATE" ? "maybe" : undefined)), /TQ_MIGRATE must be "true" or "false"/);
  assert.throws(() => app.configFromObject({ heartbeat: "1m", lease: "30s" }), /"heartbeat" .* must be shorter than "lease"/);
  assert.equal(app.config.schema, "b", "a rejected change leaves the config as it was");
});

test("TQ_* variables fill in what the code left out, read on first use rather than at construction", () => {
  const previous = process.env.TQ_PREFETCH;
  process.env.TQ_PREFETCH = "7";
  try {
    const fromEnv = new App({ concurrency: 3 });
    const explicit = new App({ prefetch: 2 });
    assert.equal(fromEnv.config.prefetch, 7);
    assert.equal(fromEnv.config.concurrency, 3);
    assert.equal(explicit.config.prefetch, 2, "an option in code wins over the environment");
  } finally {
    if (previous === undefined) delete process.env.TQ_PREFETCH;
    else process.env.TQ_PREFETCH = previous;
  }
});
