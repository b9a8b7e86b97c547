/**
 * The single binaries: built with scripts/build.ts in the test run, then
 * used as a person would, from a directory outside the repository with its
 * own tasks.ts importing "tq" (resolved to the binary's own library) and an
 * npm package of its own; loading errors say what is wrong; cross-compiled
 * targets have the right executable format.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pkg from "../package.json" with { type: "json" };
import { PROTOCOL_VERSION } from "../core/message.ts";
import { binaryPath, buildTarget, TARGETS } from "../scripts/build.ts";
import { HOST_TARGET, hostBinary } from "./_binary.ts";
import { type CliProcess, dropSchema, runCommand, uniqueSchema } from "./_helpers.ts";

/** A project directory outside the repository: tasks.ts importing "tq" and a local npm package. */
function userProject(): string {
  const dir = mkdtempSync(join(tmpdir(), "tq-user-"));
  mkdirSync(join(dir, "node_modules", "greeting"), { recursive: true });
  writeFileSync(join(dir, "node_modules", "greeting", "package.json"), JSON.stringify({ name: "greeting", version: "1.0.0", main: "index.js" }));
  writeFileSync(join(dir, "node_modules", "greeting", "index.js"), "exports.greet = (name) => `hello, ${name}`;\n");
  writeFileSync(
    join(dir, "tasks.ts"),
    [
      'import { App } from "tq";',
      'import { greet } from "greeting";',
      'export const app = new App({ name: "userland" });',
      'export const hello = app.task("hello", (name: string) => greet(name));',
      'export const mul = app.task("mul", (a: number, b: number) => a * b);',
      "",
    ].join("\n"),
  );
  writeFileSync(join(dir, "broken.ts"), 'import { App } from "tq";\nexport const app = new App(;\n');
  writeFileSync(join(dir, "no_app.ts"), "export const answer = 42;\n");
  writeFileSync(join(dir, "missing_export.ts"), 'import { App, Nope } from "tq";\nexport const app = new App();\nconsole.log(Nope);\n');
  return dir;
}

async function run(binary: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number | string; output: string }> {
  const child = runCommand(binary, args, { cwd, env });
  const code = await child.exited;
  return { code, output: child.output() };
}

test("the linux-x64 binary shows its version and commit, and runs a user's tasks.ts from outside the repository", async () => {
  const binary = await hostBinary();
  const dir = userProject();
  const schema = uniqueSchema("binary");
  const env = { TQ_SCHEMA: schema };
  let worker: CliProcess | undefined;
  try {
    const version = await run(binary, ["--version"], dir);
    assert.equal(version.code, 0);
    assert.match(version.output, new RegExp(`tq ${pkg.version.replaceAll(".", "\\.")} \\((?:[0-9a-f]{7,}|unknown)\\) protocol ${PROTOCOL_VERSION} on bun \\d+\\.\\d+\\.\\d+`));

    worker = runCommand(binary, ["worker", "-A", "./tasks.ts", "--concurrency", "4"], { cwd: dir, env });
    await worker.waitFor(/consuming/, 30_000);
    const product = await run(binary, ["call", "mul", "6", "7", "--wait", "--timeout", "20s"], dir, env);
    assert.equal(product.code, 0, product.output);
    assert.equal(product.output.trim(), "42");
    const greeting = await run(binary, ["call", "hello", '"binary"', "--wait", "--timeout", "20s"], dir, env);
    assert.equal(greeting.output.trim(), '"hello, binary"', "the user's own npm import resolved from their project");

    const queues = await run(binary, ["inspect", "queues", "--json"], dir, env);
    assert.equal(queues.code, 0, queues.output);
    const [row] = JSON.parse(queues.output);
    assert.deepEqual([row.queue, row.queued, row.running, row.doneLastHour], ["default", 0, 0, 2]);

    worker.kill("SIGTERM");
    assert.equal(await worker.exited, 0);
    assert.match(worker.output(), /stopped succeeded=2/);
  } finally {
    if (worker?.running()) worker.kill("SIGKILL");
    await worker?.exited;
    rmSync(dir, { recursive: true, force: true });
    await dropSchema(schema);
  }
});

test("the binary says what is wrong with a module it cannot load, and where", async () => {
  const binary = await hostBinary();
  const dir = userProject();
  try {
    const cases: [string, RegExp][] = [
      ["./missing.ts", /Cannot load the app module "\.\/missing\.ts": no such file \(looked at .*missing\.ts\)/],
      ["./broken.ts", /Loading the app module "\.\/broken\.ts" failed: Unexpected ; at .*broken\.ts:2:28\n\s+2 \| export const app = new App\(;/],
      ["./missing_export.ts", /Loading the app module "\.\/missing_export\.ts" failed: Export named 'Nope' not found in module 'tq'/],
      ["./no_app.ts", /The module "\.\/no_app\.ts" exports no tq App/],
    ];
    for (const [module, message] of cases) {
      const result = await run(binary, ["worker", "-A", module], dir);
      assert.equal(result.code, 2, `${module}: ${result.output}`);
      assert.match(result.output, message);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The executable format and CPU of a binary, read from its header. */
function describeBinary(path: string): string {
  const head = readFileSync(path).subarray(0, 4096);
  if (head.readUInt32BE(0) === 0x7f454c46) {
    const machine = head.readUInt16LE(18);
    return `ELF ${machine === 0x3e ? "x64" : machine === 0xb7 ? "arm64" : machine}`;
  }
  if (head.readUInt32LE(0) === 0xfeedfacf) {
    const cpu = head.readUInt32LE(4);
    return `Mach-O ${cpu === 0x01000007 ? "x64" : cpu === 0x0100000c ? "arm64" : cpu}`;
  }
  if (head.toString("latin1", 0, 2) === "MZ") {
    const pe = head.readUInt32LE(0x3c);
    const machine = head.readUInt16LE(pe + 4);
    return head.toString("latin1", pe, pe + 4) === "PE\0\0" ? `PE ${machine === 0x8664 ? "x64" : machine}` : "MZ without PE";
  }
  return "unknown";
}

test("every target is built with the right executable format and CPU", async () => {
  const expected: Record<(typeof TARGETS)[number], string> = {
    "linux-x64": "ELF x64",
    "linux-arm64": "ELF arm64",
    "darwin-x64": "Mach-O x64",
    "darwin-arm64": "Mach-O arm64",
    "windows-x64": "PE x64",
  };
  await hostBinary();
  for (const target of TARGETS) {
    if (target !== HOST_TARGET) buildTarget(target);
    assert.equal(describeBinary(binaryPath(target)), expected[target], target);
  }
  assert.ok(binaryPath("windows-x64").endsWith(".exe"));
});
