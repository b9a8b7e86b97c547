/**
 * Prepares a release in one command (docs/releasing.md): checks that the
 * version agrees everywhere it is written, builds the single binaries with
 * their checksums, packs the npm tarball into dist/ and runs JSR's dry run.
 * It never publishes: it ends by printing the commands a maintainer runs.
 *
 *   npm run release -- --dry-run                      # any tree; every target
 *   npm run release -- --dry-run --target linux-x64   # one binary (and this machine's)
 *   npm run release                                   # a clean tree only; prints the publish commands
 *
 * Runs under Bun or Deno (`npm run release`, `deno task release`), like
 * scripts/build.ts, whose functions it uses. The binary for this machine is
 * always built, since the version check runs it.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { arch, platform } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { binaryPath, buildTarget, DIST, type Target, TARGETS, writeChecksums } from "./build.ts";
import { PROTOCOL_VERSION } from "../core/message.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Where the version is written, as read from the files (and the built binary, once there is one). */
export interface VersionInputs {
  /** package.json's "version": the one the others must equal. */
  packageVersion: string;
  /** deno.json's "version". */
  denoVersion: string | undefined;
  /** The text of CHANGELOG.md. */
  changelog: string;
  /** What `tq --version` printed, from the binary built for this machine. */
  versionLine?: string;
  /** The message protocol the sources send; the version line must name it. */
  protocol?: number;
}

/** Keep a Changelog 1.1.0's change types, the only `###` headings a release section may have. */
export const CHANGE_TYPES = ["Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"] as const;

/**
 * Checks CHANGELOG.md's form (Keep a Changelog 1.1.0) and that it has a
 * section for `version`. Returns the problems found, each a sentence; none
 * means it is fine.
 */
export function checkChangelog(text: string, version: string): string[] {
  const problems: string[] = [];
  const lines = text.split("\n");
  if (lines[0] !== "# Changelog") problems.push(`CHANGELOG.md starts with "${lines[0]}": its first line must be "# Changelog".`);
  const sections = lines.filter((line) => line.startsWith("## "));
  if (sections[0] !== "## [Unreleased]") problems.push(`CHANGELOG.md's first section is "${sections[0] ?? ""}": it must be "## [Unreleased]", for changes not yet released.`);
  const released: string[] = [];
  for (const heading of sections) {
    if (heading === "## [Unreleased]") continue;
    const match = /^## \[(\d+\.\d+\.\d+(?:-[\w.]+)?)\] - (\d{4}-\d{2}-\d{2})$/.exec(heading);
    if (!match) problems.push(`CHANGELOG.md has the heading "${heading}": a release's must read "## [x.y.z] - YYYY-MM-DD".`);
    else released.push(match[1]);
  }
  for (const heading of lines.filter((line) => line.startsWith("### "))) {
    const type = heading.slice(4);
    if (!(CHANGE_TYPES as readonly string[]).includes(type)) problems.push(`CHANGELOG.md has the heading "${heading}": use one of ${CHANGE_TYPES.join(", ")}.`);
  }
  for (const name of ["Unreleased", ...released]) {
    if (!lines.some((line) => line.toLowerCase().startsWith(`[${name.toLowerCase()}]: `))) {
      problems.push(`CHANGELOG.md has no link reference for [${name}]: add "[${name.toLowerCase()}]: <url>" at the end.`);
    }
  }
  if (!released.includes(version)) {
    problems.push(`CHANGELOG.md has no section for ${version}: add "## [${version}] - YYYY-MM-DD" under "## [Unreleased]", with this release's changes.`);
  } else if (released[0] !== version) {
    problems.push(`CHANGELOG.md's newest release is ${released[0]}, not ${version}: the section for ${version} goes first, under "## [Unreleased]".`);
  }
  return problems;
}

/**
 * Checks that deno.json, CHANGELOG.md and the built binary agree with
 * package.json's version. Returns the problems found, each a sentence that
 * names the place, the value found and the one expected; none means they agree.
 */
export function checkVersions(inputs: VersionInputs): string[] {
  const expected = inputs.packageVersion;
  const problems: string[] = [];
  if (!/^\d+\.\d+\.\d+(?:-[\w.]+)?$/.test(expected)) problems.push(`package.json's version "${expected}" is not a version: write it as x.y.z.`);
  if (inputs.denoVersion !== expected) {
    problems.push(`deno.json's version is "${inputs.denoVersion ?? "(missing)"}" but package.json's is "${expected}": set deno.json's "version" to "${expected}".`);
  }
  problems.push(...checkChangelog(inputs.changelog, expected));
  if (inputs.versionLine !== undefined) {
    const match = /^tq (\S+) \((\S+)\) protocol (\d+) on (\w+) \S+$/.exec(inputs.versionLine.trim());
    if (!match) problems.push(`The binary printed "${inputs.versionLine.trim()}" for --version: expected "tq ${expected} (<commit>) protocol <n> on bun <version>".`);
    else {
      if (match[1] !== expected) problems.push(`The binary says it is tq ${match[1]} but package.json's version is "${expected}": build it again from this tree.`);
      if (inputs.protocol !== undefined && Number(match[3]) !== inputs.protocol) {
        problems.push(`The binary speaks protocol ${match[3]} but the sources send protocol ${inputs.protocol}: build it again from this tree.`);
      }
    }
  }
  return problems;
}

/** The package a bare import names: "ajv" of "ajv/dist/x", "@scope/name" of "@scope/name/sub". */
function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/**
 * Checks that every bare import in the published sources names a dependency
 * in package.json. JSR rewrites those to `npm:` specifiers with
 * package.json's version; one that is not there (a package reached only
 * through node_modules) stays bare and breaks on JSR, and its dry run does
 * not say so. `sources` maps a file's path to its text.
 */
export function checkImports(sources: Record<string, string>, dependencies: string[]): string[] {
  const problems: string[] = [];
  const statement = /^\s*(?:import|export)\b[^"'`;]*?\bfrom\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/gm;
  for (const [path, text] of Object.entries(sources)) {
    for (const match of text.matchAll(statement)) {
      const specifier = match[1] ?? match[2] ?? match[3];
      if (/^(\.|\/|node:|npm:|jsr:|https?:)/.test(specifier)) continue;
      if (!dependencies.includes(packageOf(specifier))) {
        problems.push(`${path} imports "${specifier}", which is not among package.json's dependencies: add it there, or JSR publishes the import unresolved.`);
      }
    }
  }
  return problems;
}

/** The TypeScript sources both packages publish, by path relative to the repository. */
function publishedSources(): Record<string, string> {
  const sources: Record<string, string> = {};
  const visit = (relative: string) => {
    const path = join(ROOT, relative);
    if (statSync(path).isDirectory()) for (const name of readdirSync(path)) visit(join(relative, name));
    else if (relative.endsWith(".ts")) sources[relative] = readFileSync(path, "utf8");
  };
  for (const entry of ["mod.ts", "core", "transports", "cli"]) visit(entry);
  return sources;
}

/** Reads the version inputs from the repository's files. */
export function readVersionInputs(root = ROOT): VersionInputs {
  const read = (name: string) => readFileSync(join(root, name), "utf8");
  return {
    packageVersion: JSON.parse(read("package.json")).version,
    denoVersion: JSON.parse(read("deno.json")).version,
    changelog: existsSync(join(root, "CHANGELOG.md")) ? read("CHANGELOG.md") : "",
    protocol: PROTOCOL_VERSION,
  };
}

/** This machine's build target, or undefined where tq has no binary. */
function hostTarget(): Target | undefined {
  const os = platform() === "win32" ? "windows" : platform();
  const target = `${os}-${arch()}`;
  return (TARGETS as readonly string[]).includes(target) ? (target as Target) : undefined;
}

/** The runtime executable to use for `deno publish`: this one under Deno, else the npm-installed one. */
function denoExecutable(): string {
  // deno-lint-ignore no-explicit-any
  if ((globalThis as any).Deno) return process.execPath;
  return join(ROOT, "node_modules", ".bin", process.platform === "win32" ? "deno.exe" : "deno");
}

/** Runs a program to its end in the repository; throws with its output when it fails. */
function run(program: string, args: string[], what: string): string {
  const result = spawnSync(program, args, { cwd: ROOT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  if (result.error) throw new Error(`${what} could not start ${program}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status}):\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

/** The uncommitted changes, as `git status --porcelain` lists them (empty when clean). */
function gitChanges(): string[] {
  return run("git", ["status", "--porcelain"], "git status").split("\n").filter(Boolean);
}

interface Options {
  dryRun: boolean;
  targets: Target[];
}

function parseArgs(argv: string[]): Options {
  let dryRun = false;
  const chosen: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--dry-run") dryRun = true;
    else if (arg === "--target") chosen.push(...(argv[++i] ?? "").split(","));
    else if (arg.startsWith("--target=")) chosen.push(...arg.slice("--target=".length).split(","));
    else throw new Error(`Unknown argument "${arg}". Use --dry-run and --target ${TARGETS.join("|")} (default: all).`);
  }
  for (const target of chosen) {
    if (!(TARGETS as readonly string[]).includes(target)) throw new Error(`Unknown target "${target}". Targets: ${TARGETS.join(", ")}.`);
  }
  const targets = chosen.length ? (chosen as Target[]) : [...TARGETS];
  const host = hostTarget();
  if (host && !targets.includes(host)) targets.push(host);
  return { dryRun, targets };
}

/** Times one step and records it for the summary. */
function step<T>(done: string[], what: string, work: () => T): T {
  const started = Date.now();
  const value = work();
  done.push(`${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  console.log(`release: ${what}`);
  return value;
}

function fail(problems: string[]): never {
  for (const problem of problems) console.error(`release: ${problem}`);
  process.exit(1);
}

function release(options: Options): void {
  const started = Date.now();
  const checked: string[] = [];
  const inputs = readVersionInputs();
  const version = inputs.packageVersion;
  const early = checkVersions(inputs);
  if (early.length) fail(early);
  checked.push(`package.json, deno.json and CHANGELOG.md agree on ${version}`);
  const dependencies = Object.keys(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).dependencies ?? {});
  const sources = publishedSources();
  const imports = checkImports(sources, dependencies);
  if (imports.length) fail(imports);
  checked.push(`the ${Object.keys(sources).length} published sources import only package.json's dependencies`);

  const changes = gitChanges();
  if (changes.length && !options.dryRun) {
    fail([`The working tree has ${changes.length} uncommitted change(s) (${changes.slice(0, 5).map((c) => c.slice(3)).join(", ")}${changes.length > 5 ? ", ..." : ""}): commit them, or use --dry-run to try the release.`]);
  }
  checked.push(changes.length ? `working tree dirty (${changes.length} change(s)): allowed in a dry run` : "working tree clean");

  // Only this release's files in dist/, since every file there is uploaded.
  mkdirSync(DIST, { recursive: true });
  for (const name of readdirSync(DIST)) if (name.startsWith("tq-") || name === "SHA256SUMS") rmSync(join(DIST, name), { recursive: true, force: true });

  for (const target of options.targets) step(checked, `built ${target}`, () => buildTarget(target));

  const host = hostTarget();
  if (host) {
    const line = run(binaryPath(host), ["--version"], `dist/tq-${host} --version`).trim();
    const problems = checkVersions({ ...inputs, versionLine: line });
    if (problems.length) fail(problems);
    checked.push(`dist/tq-${host} --version prints "${line}"`);
  } else {
    checked.push(`no binary runs on this machine (${platform()}-${arch()}): the binary's version was not checked`);
  }

  const packed = step(checked, "packed the npm tarball", () => {
    const [info] = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", DIST], "npm pack"));
    return info as { filename: string; entryCount: number };
  });
  checked.push(`npm tarball ${packed.filename} holds ${packed.entryCount} files`);
  writeChecksums();

  // JSR refuses a dirty tree even in a dry run; a dry run may be dirty, a release may not.
  const publishArgs = ["publish", "--dry-run", ...(changes.length ? ["--allow-dirty"] : [])];
  step(checked, `JSR dry run passed (deno ${publishArgs.join(" ")})`, () => run(denoExecutable(), publishArgs, "deno publish --dry-run"));

  console.log(`\nBuilt in dist/ (tq ${version}):`);
  for (const name of readdirSync(DIST).filter((n) => n.startsWith("tq-") || n === "SHA256SUMS").sort()) {
    const bytes = readFileSync(join(DIST, name));
    const size = bytes.length >= 1e6 ? `${(bytes.length / 1e6).toFixed(1)} MB` : `${(bytes.length / 1e3).toFixed(1)} kB`;
    console.log(`  ${name.padEnd(24)} ${size.padStart(9)}  sha256 ${createHash("sha256").update(bytes).digest("hex").slice(0, 12)}`);
  }
  console.log("\nChecked:");
  for (const line of checked) console.log(`  ${line}`);
  const commands = [
    `npm publish ./dist/${packed.filename}`,
    "deno publish",
    `git tag -a v${version} -m "tq ${version}" && git push origin v${version}`,
    `# then create the v${version} release and upload dist/* (the binaries, SHA256SUMS and ${packed.filename})`,
  ];
  console.log(options.dryRun ? "\nDry run: nothing is published. A release (a clean tree, no --dry-run) then runs:" : `\nThis script publishes nothing. To publish tq ${version}, run:`);
  for (const command of commands) console.log(`  ${command}`);
  if (options.targets.length < TARGETS.length) console.log(`\nOnly ${options.targets.join(", ")} built: a release builds every target (no --target).`);
  console.log(`\nrelease: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (import.meta.main) {
  try {
    release(parseArgs(process.argv.slice(2)));
  } catch (error) {
    console.error(`release: ${(error as Error).message}`);
    process.exit(1);
  }
}
