/**
 * The public API is publishable as documented: `deno doc --lint mod.ts`
 * finds every exported symbol with a doc comment, every public type
 * explicitly typed, and no public type referring to one that mod.ts does
 * not export. And `deno lint` is clean everywhere.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { execToEnd, ROOT } from "./_helpers.ts";

const DENO = join(ROOT, "node_modules", ".bin", "deno");

/**
 * The output without Deno's warnings about type packages it cannot resolve
 * in node_modules (a line each, and its "at" line), which would bury the
 * lint errors.
 */
function lintOutput(text: string): string {
  const lines = text.split("\n");
  const kept = lines.filter((line, i) => !line.startsWith("Warning Failed resolving types") && !(line.startsWith("    at ") && lines[i - 1]?.startsWith("Warning ")));
  return kept.join("\n");
}

test("deno doc --lint finds nothing to fix in the public API (mod.ts)", async () => {
  const ran = await execToEnd([DENO, "doc", "--lint", "mod.ts"], { DENO_NO_UPDATE_CHECK: "1" });
  assert.equal(ran.code, 0, `deno doc --lint mod.ts exited ${ran.code}:\n${lintOutput(ran.stdout + ran.stderr)}`);
});

test("deno lint finds nothing in the code, tests, scripts and the dashboard's page", async () => {
  const ran = await execToEnd([DENO, "lint"], { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" });
  assert.equal(ran.code, 0, `deno lint exited ${ran.code}:\n${ran.stdout}${ran.stderr}`);
});
