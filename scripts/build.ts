/**
 * Builds the `tq` single binaries with `bun build --compile`: one per
 * platform in dist/tq-<os>-<arch>[.exe], minified, stamped with the version
 * and commit (`tq --version`), and dist/SHA256SUMS over all of them.
 *
 *   bun scripts/build.ts                      # every target
 *   bun scripts/build.ts --target linux-x64   # one (repeat or comma-separate for more)
 *
 * Runs under Bun or Deno (`npm run build`, `deno task build`); the compiling
 * is always Bun's. Cross-targets fetch their Bun runtime through the npm
 * registry the first time. `deno compile` needs its runtime from the
 * internet, which these machines lack: see `scripts/build_deno.sh`.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";

export const TARGETS = ["linux-x64", "linux-arm64", "darwin-x64", "darwin-arm64", "windows-x64"] as const;
export type Target = (typeof TARGETS)[number];

const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const DIST = join(ROOT, "dist");

/** The file a target's binary is written to. */
export function binaryPath(target: Target): string {
  return join(DIST, `tq-${target}${target.startsWith("windows") ? ".exe" : ""}`);
}

/** The bun executable: this one when running under Bun, else the npm-installed one. */
function bunExecutable(): string {
  // deno-lint-ignore no-explicit-any
  if ((globalThis as any).Bun) return process.execPath;
  const local = join(ROOT, "node_modules", ".bin", process.platform === "win32" ? "bun.exe" : "bun");
  if (!existsSync(local)) throw new Error(`Bun is needed to compile: run \`npm ci\` first (looked for ${local}).`);
  return local;
}

function gitCommit(): string {
  const result = spawnSync("git", ["rev-parse", "--short=12", "HEAD"], { cwd: ROOT, encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim() : "unknown";
}

/** Compiles one target; throws with bun's output when it fails. */
export function buildTarget(target: Target, commit = gitCommit()): string {
  const outfile = binaryPath(target);
  mkdirSync(DIST, { recursive: true });
  const args = [
    "build",
    "--compile",
    "--minify",
    `--target=bun-${target}`,
    "--define",
    `TQ_BUILD_COMMIT=${JSON.stringify(commit)}`,
    join(ROOT, "cli", "binary_main.ts"),
    "--outfile",
    outfile,
  ];
  const result = spawnSync(bunExecutable(), args, { cwd: ROOT, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`Building ${target} failed:\n${result.stdout}${result.stderr}`);
  return outfile;
}

/** Writes dist/SHA256SUMS for every binary in dist (the sha256sum format). */
export function writeChecksums(): string {
  const lines = readdirSync(DIST)
    .filter((name) => name.startsWith("tq-"))
    .sort()
    .map((name) => `${createHash("sha256").update(readFileSync(join(DIST, name))).digest("hex")}  ${name}`);
  const path = join(DIST, "SHA256SUMS");
  writeFileSync(path, lines.join("\n") + "\n");
  return path;
}

function parseTargets(argv: string[]): Target[] {
  const chosen: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--target") chosen.push(...(argv[++i] ?? "").split(","));
    else if (arg.startsWith("--target=")) chosen.push(...arg.slice("--target=".length).split(","));
    else throw new Error(`Unknown argument "${arg}". Use --target ${TARGETS.join("|")} (default: all).`);
  }
  for (const target of chosen) {
    if (!(TARGETS as readonly string[]).includes(target)) throw new Error(`Unknown target "${target}". Targets: ${TARGETS.join(", ")}.`);
  }
  return chosen.length ? (chosen as Target[]) : [...TARGETS];
}

if (import.meta.main) {
  try {
    const targets = parseTargets(process.argv.slice(2));
    const commit = gitCommit();
    for (const target of targets) {
      const started = Date.now();
      const path = buildTarget(target, commit);
      console.log(`built ${path} (${Math.round(readFileSync(path).length / 1e6)} MB, ${Date.now() - started} ms)`);
    }
    console.log(`wrote ${writeChecksums()}`);
  } catch (error) {
    console.error(`build: ${(error as Error).message}`);
    process.exit(1);
  }
}
