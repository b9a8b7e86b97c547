/**
 * The package as a user's own project gets it: `npm pack` of this
 * repository, unpacked into a fresh project outside it, whose tasks.ts says
 * `import { App } from "tq"`. On Bun the package sits in node_modules, as
 * `bun add ./tq-<version>.tgz` puts it; on Deno (which does not strip types
 * under node_modules) it sits beside the project and deno.json maps "tq" to
 * it, as a JSR import would. Its dependencies are linked from this
 * repository's node_modules: these machines cannot reach the npm registry.
 * A worker of the project runs, a script sends a task and gets its result,
 * and `tq inspect queues` shows it done.
 */
import process from "node:process";
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { runtimeName, scriptCommand } from "../core/runtime.ts";
import { dropSchema, ROOT, runCommand, uniqueSchema } from "./_helpers.ts";

const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));

/** The tarball's file list, and the tarball itself in `dir`. */
function pack(dir: string): { tarball: string; files: string[] } {
  const [info] = JSON.parse(execFileSync("npm", ["pack", "--json", "--pack-destination", dir], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }));
  return { tarball: join(dir, info.filename), files: info.files.map((f: { path: string }) => f.path) };
}

test("the npm package holds the library and the CLI, and nothing of the repository's own", () => {
  const dir = mkdtempSync(join(tmpdir(), "tq-pack-"));
  try {
    const { files } = pack(dir);
    for (const needed of ["mod.ts", "package.json", "README.md", "cli/main.ts", "core/app.ts", "transports/postgres/_sql.ts"]) {
      assert.ok(files.includes(needed), `${needed} is in the package`);
    }
    const strays = files.filter((f) => /^(tests|scripts|bench|examples|dist|\.ci)\//.test(f) || f.endsWith(".test.ts"));
    assert.deepEqual(strays, [], "no tests, scripts, benchmarks or build output");
    assert.equal(pkg.exports["."].types, "./mod.ts");
    assert.equal(pkg.bin.tq, "./cli/main.ts");
    assert.ok(!("bun-types" in pkg.dependencies), "build-only packages are not the user's dependencies");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(`a fresh ${runtimeName} project imports "tq" from the packed package, runs its worker and gets a result`, async () => {
  const project = mkdtempSync(join(tmpdir(), "tq-project-"));
  const schema = uniqueSchema("package");
  let worker: ReturnType<typeof runCommand> | undefined;
  try {
    const { tarball } = pack(project);
    // Bun: where `bun add` puts it. Deno: beside the project, mapped by deno.json.
    const home = runtimeName === "deno" ? join(project, "vendor", "tq") : join(project, "node_modules", "tq");
    mkdirSync(home, { recursive: true });
    execFileSync("tar", ["xzf", tarball, "-C", home, "--strip-components=1"]);
    for (const dep of Object.keys(pkg.dependencies)) {
      const [scope] = dep.split("/");
      if (dep.includes("/")) mkdirSync(join(project, "node_modules", scope), { recursive: true });
      symlinkSync(join(ROOT, "node_modules", dep), join(project, "node_modules", dep));
    }
    // What npm installs beside them: ajv's and prom-client's dependencies, and tq's optional @opentelemetry/api.
    for (const transitive of ["fast-deep-equal", "fast-uri", "json-schema-traverse", "require-from-string", "tdigest", "bintrees", "@opentelemetry/api"]) {
      if (transitive.includes("/")) mkdirSync(join(project, "node_modules", transitive.split("/")[0]), { recursive: true });
      symlinkSync(join(ROOT, "node_modules", transitive), join(project, "node_modules", transitive));
    }
    // On Deno "tq" comes from deno.json's import map (as from JSR); package.json only holds what node_modules has.
    const dependencies = runtimeName === "deno" ? { ...pkg.dependencies } : { tq: `file:./${tarball.split("/").pop()}` };
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "my-project", private: true, type: "module", dependencies }));
    if (runtimeName === "deno") writeFileSync(join(project, "deno.json"), JSON.stringify({ nodeModulesDir: "manual", imports: { tq: "./vendor/tq/mod.ts" } }));
    writeFileSync(join(project, "tasks.ts"), `import { App } from "tq";\nexport const app = new App({ name: "my-project" });\nexport const add = app.task("add", (a: number, b: number) => a + b);\n`);
    writeFileSync(
      join(project, "send.ts"),
      `import { add, app } from "./tasks.ts";\nconst result = await add.delay(2, 3);\nconsole.log(JSON.stringify({ value: await result.get({ timeout: 20_000 }) }));\nawait app.close();\n`,
    );
    // Bun on PATH, as on a user's machine (the bin's shebang asks for it).
    const env = { TQ_SCHEMA: schema, PATH: `${join(ROOT, "node_modules", ".bin")}${delimiter}${process.env.PATH ?? ""}` };
    // Bun: `bunx tq`, through the bin link `bun add` makes. Deno: the project's
    // own configuration, as `deno run -A jsr:...` would use it.
    if (runtimeName !== "deno") {
      mkdirSync(join(project, "node_modules", ".bin"), { recursive: true });
      symlinkSync(join("..", "tq", pkg.bin.tq), join(project, "node_modules", ".bin", "tq"));
      chmodSync(join(home, pkg.bin.tq), 0o755); // as package managers make a bin executable
    }
    const [command, ...prefix] = runtimeName === "deno"
      ? [process.execPath, "run", "-A", "--config", join(project, "deno.json"), join(home, "cli", "main.ts")]
      : [process.execPath, "x", "tq"];
    worker = runCommand(command, [...prefix, "worker", "-A", "tasks.ts"], { env, cwd: project });
    await worker.waitFor(/consuming/, 30_000);
    const [run, ...runPrefix] = scriptCommand("send.ts");
    const send = runCommand(run, [...runPrefix], { env, cwd: project });
    assert.equal(await send.exited, 0, send.output());
    assert.deepEqual(JSON.parse(send.output().trim().split("\n").pop()!), { value: 5 });
    const inspect = runCommand(command, [...prefix, "inspect", "queues", "--json"], { env, cwd: project });
    assert.equal(await inspect.exited, 0, inspect.output());
    const [queue] = JSON.parse(inspect.output());
    assert.equal(queue.queue, "default");
    assert.equal(queue.doneLastHour, 1, JSON.stringify(queue));
    assert.equal(queue.queued + queue.running, 0, JSON.stringify(queue));
  } finally {
    worker?.kill("SIGTERM");
    await worker?.exited;
    rmSync(project, { recursive: true, force: true });
    await dropSchema(schema);
  }
});
