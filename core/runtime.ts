/**
 * The one place that knows which runtime tq runs on (STYLE.md 3). Everything
 * else uses web-standard APIs, `node:` builtins both runtimes ship, or this
 * module.
 */
import process from "node:process";
import { hostname as osHostname } from "node:os";
import { pathToFileURL } from "node:url";
import { isAbsolute, resolve } from "node:path";

// deno-lint-ignore no-explicit-any
const g = globalThis as any;

/** The runtime tq is running on. */
export const runtimeName: "deno" | "bun" | "node" = g.Deno ? "deno" : g.Bun ? "bun" : "node";

/** The runtime's own version string, e.g. "bun 1.4.5". */
export function runtimeVersion(): string {
  if (g.Deno) return `deno ${g.Deno.version.deno}`;
  if (g.Bun) return `bun ${g.Bun.version}`;
  return `node ${process.versions.node}`;
}

/** Reads an environment variable; undefined when unset. */
export function env(name: string): string | undefined {
  return process.env[name];
}

/** A copy of all environment variables. */
export function envAll(): Record<string, string | undefined> {
  return { ...process.env };
}

/** The command line arguments after the script. */
export function args(): string[] {
  return process.argv.slice(2);
}

export type SignalName = "SIGTERM" | "SIGINT";

/** Calls `handler` on each delivery of `signal`; returns a function that stops listening. */
export function onSignal(signal: SignalName, handler: () => void): () => void {
  process.on(signal, handler);
  return () => void process.off(signal, handler);
}

/** Ends the process with `code`. Only the CLI calls this. */
export function exit(code: number): never {
  process.exit(code);
}

export const pid: number = process.pid;

export function hostname(): string {
  return osHostname();
}

/** Loads a user's module (a path relative to the working directory, or a URL). */
export function importModule(path: string): Promise<Record<string, unknown>> {
  const url = /^[a-z]+:\/\//i.test(path) ? path : pathToFileURL(isAbsolute(path) ? path : resolve(process.cwd(), path)).href;
  return import(url);
}

/**
 * The argv prefix that re-runs this runtime on a script: `deno run -A` on
 * Deno, plain `bun` on Bun. Used to start worker processes from tests and
 * the benchmark.
 */
export function scriptCommand(script: string): string[] {
  if (g.Deno) return [process.execPath, "run", "-A", script];
  return [process.execPath, script];
}

/** Resident set size of this process in bytes. */
export function rss(): number {
  return process.memoryUsage().rss;
}
