/**
 * The canvas's types, checked by the real compiler: `deno check` runs as a
 * subprocess (from the Bun run and the Deno run alike) on
 * tests/fixtures/canvas_types_check.ts, whose correct workflows must compile
 * and whose `@ts-expect-error` lines must stay errors; and on
 * tests/fixtures/canvas_types_wrong.ts, whose one unmarked error must fail
 * the check, so the first test cannot pass by checking nothing.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ROOT, runCommand } from "./_helpers.ts";

const DENO = join(ROOT, "node_modules", ".bin", "deno");
const CHECK = fileURLToPath(new URL("./fixtures/canvas_types_check.ts", import.meta.url));
const WRONG = fileURLToPath(new URL("./fixtures/canvas_types_wrong.ts", import.meta.url));

/** Runs `deno check file` from the repository (its deno.json) and returns the exit code and output. */
async function denoCheck(file: string): Promise<{ code: number | string; output: string }> {
  const started = performance.now();
  const checker = runCommand(DENO, ["check", file], { env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" } });
  const code = await checker.exited;
  console.log(`  [canvas] deno check ${file.slice(ROOT.length)}: exit ${code} in ${Math.round(performance.now() - started)} ms`);
  return { code, output: checker.output() };
}

/** Both checks, started together the first time either is needed (each takes seconds, mostly the library's own types). */
let checks: Promise<{ code: number | string; output: string }[]> | undefined;
function checked(file: string): Promise<{ code: number | string; output: string }> {
  checks ??= Promise.all([denoCheck(CHECK), denoCheck(WRONG)]);
  return checks.then((results) => results[file === CHECK ? 0 : 1]);
}

test("correct workflows type-check and each wrong one marked @ts-expect-error stays an error", async () => {
  const source = readFileSync(CHECK, "utf8");
  // The promises named in the issue are among the marked lines.
  for (const wrong of ["chain(add.s(1, 2), shout.s());", "chord(group(add.s(1, 1), add.s(2, 2)), joinAll.s(\",\"));", "await mul.s(10).delay();", "add.s(1, 2).link(shout.s());"]) {
    const lines = source.split("\n");
    const at = lines.findIndex((line) => line.trim() === wrong);
    assert.ok(at > 0, `the fixture has the line ${wrong}`);
    assert.match(lines[at - 1], /^\s*\/\/ @ts-expect-error /, `${wrong} is marked as an expected error`);
  }
  const { code, output } = await checked(CHECK);
  // An unused @ts-expect-error (a wrong workflow that started to compile) fails the check too.
  assert.equal(code, 0, `deno check failed:\n${output}`);
});

test("a wrong workflow without @ts-expect-error fails deno check, which names its line", async () => {
  const lines = readFileSync(WRONG, "utf8").split("\n");
  const line = lines.findIndex((text) => text.includes("// WRONG")) + 1;
  assert.ok(line > 0, "the fixture marks its wrong line");
  const { code, output } = await checked(WRONG);
  assert.notEqual(code, 0, `deno check passed a wrong workflow:\n${output}`);
  assert.match(output, /TS2345/, output);
  const sites = [...output.matchAll(/canvas_types_wrong\.ts:(\d+):\d+/g)].map((m) => Number(m[1]));
  assert.deepEqual([...new Set(sites)], [line], `the only error in the file is on line ${line}:\n${output}`);
});
