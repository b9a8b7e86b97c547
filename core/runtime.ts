/**
 * The one place that knows which runtime tq runs on (STYLE.md 3). Everything
 * else uses web-standard APIs, `node:` builtins both runtimes ship, or this
 * module.
 */
import process from "node:process";
import { type ChildProcess, fork } from "node:child_process";
import { arch as osArch, hostname as osHostname, platform as osPlatform, release as osRelease } from "node:os";
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

/** The operating system, its release and the CPU, in Node's names ("linux", "darwin", "win32"; "x64", "arm64"). */
export function platform(): { os: string; release: string; arch: string } {
  return { os: osPlatform(), release: osRelease(), arch: osArch() };
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

/**
 * True inside a `bun build --compile` binary, whose own modules live under
 * /$bunfs/ (B:/~BUN/ on Windows): there the program re-runs itself, as there
 * is no script file to hand a child.
 */
export function isCompiledBinary(): boolean {
  const compiled = /^\/?(\$bunfs\/|[A-Za-z]:[\\/]~BUN[\\/])/;
  return compiled.test(process.argv[1] ?? "") || compiled.test(decodeURIComponent(new URL(import.meta.url).pathname));
}

/**
 * Why Web Workers cannot serve as a pool whose handlers can be stopped, or
 * undefined when they can. Deno 2.9 does not stop a Web Worker spinning in
 * `while (true) {}` on terminate() (DESIGN.md, facts); Bun does. A compiled
 * binary lacks the thread's script unless the build embeds it.
 */
export function threadsUnavailable(): string | undefined {
  if (runtimeName !== "bun") return `${runtimeVersion()} cannot stop a Web Worker that is busy (terminate() leaves a spinning thread running)`;
  if (isCompiledBinary()) return "a compiled binary does not embed the thread script";
  return undefined;
}

/**
 * The command that starts a pool child, as [executable, script, ...args] for
 * forkProcess: this runtime on `script` from source, or in a compiled binary
 * the binary itself with its hidden `subcommand`. A compiled binary puts its
 * own entry point (/$bunfs/root/...) in argv[1] by itself, so the subcommand
 * takes the script's place: the child's argv is then [binary, entry, subcommand].
 */
export function poolChildCommand(script: string, subcommand: string): string[] {
  if (isCompiledBinary()) return [process.execPath, subcommand];
  return [process.execPath, script];
}

/**
 * Starts [executable, script, ...args] as a child process with an IPC channel
 * (node:child_process fork). Deno's fork turns this into `deno run -A script`
 * and Bun's into `bun script`; an empty execArgv keeps the parent's own flags
 * (a test runner's, say) out of the child. stdout and stderr are shared, so a
 * handler's console output shows in the worker's.
 */
export function forkProcess(command: string[]): ChildProcess {
  const [execPath, script, ...rest] = command;
  return fork(script, rest, { execPath, execArgv: [], stdio: ["ignore", "inherit", "inherit", "ipc"] });
}

/**
 * Asks the runtime for a full garbage collection where it allows one (Bun);
 * elsewhere does nothing. For memory measurements only.
 */
export function collectGarbage(): void {
  g.Bun?.gc?.(true);
  (g.gc as (() => void) | undefined)?.();
}

/**
 * Makes `import ... from specifier` in modules loaded from now on resolve
 * to `exports`, on Bun (a runtime plugin); elsewhere does nothing and
 * returns false (Deno resolves through the user's import map).
 */
export function provideModule(specifier: string, exports: Record<string, unknown>): boolean {
  const bun = g.Bun as { plugin?: (plugin: unknown) => void } | undefined;
  if (!bun?.plugin) return false;
  bun.plugin({
    name: `provide:${specifier}`,
    setup(build: { module(specifier: string, load: () => { exports: Record<string, unknown>; loader: string }): void }) {
      build.module(specifier, () => ({ exports, loader: "object" }));
    },
  });
  return true;
}

/** A running HTTP server (serveHttp). */
export interface HttpServer {
  /** The port it listens on (the one chosen when 0 was asked for). */
  port: number;
  /** Stops listening and closes open connections. */
  stop(): Promise<void>;
}

/**
 * Serves `fetch` on hostname:port (0: any free port) with the runtime's own
 * server (Deno.serve, Bun.serve); resolves once it listens.
 */
export async function serveHttp(fetch: (request: Request) => Response | Promise<Response>, options: { hostname: string; port: number }): Promise<HttpServer> {
  if (g.Deno) {
    let listening!: (port: number) => void;
    const ready = new Promise<number>((resolve) => (listening = resolve));
    const server = g.Deno.serve({ hostname: options.hostname, port: options.port, onListen: (addr: { port: number }) => listening(addr.port) }, fetch);
    const port = await ready;
    return { port, stop: () => server.shutdown() };
  }
  if (g.Bun) {
    // idleTimeout 0: event streams (the dashboard's live updates) stay open.
    const server = g.Bun.serve({ hostname: options.hostname, port: options.port, fetch, idleTimeout: 0 });
    return { port: server.port, stop: async () => void (await server.stop(true)) };
  }
  throw new Error("serveHttp needs Deno or Bun.");
}
