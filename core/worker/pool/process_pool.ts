/**
 * The process pool (Celery's prefork): each child is a process started with
 * node:child_process `fork`, talking over its IPC channel. SIGKILL stops one
 * stuck in `while (true) {}` at once, on Deno and Bun alike.
 */
import { fileURLToPath } from "node:url";
import type { Logger } from "../../logger.ts";
import { forkProcess, poolChildCommand } from "../../runtime.ts";
import { POOL_CHILD_COMMAND } from "./child_entry.ts";
import { ChildPool } from "./child_pool.ts";
import type { Channel, FromChild } from "./protocol.ts";

/** The script a child runs when tq runs from source. */
const CHILD_SCRIPT = fileURLToPath(new URL("./child_main.ts", import.meta.url));

export interface ProcessPoolOptions {
  concurrency: number;
  appModule: string;
  logger: Logger;
  /** [executable, script, ...args] to fork; by default this runtime on child_main.ts, or the compiled binary itself. */
  childCommand?: string[];
}

/** The worker's end of one forked child. */
export function processChannel(command: string[]): Channel {
  const child = forkProcess(command);
  const exitListeners: ((why: string) => void)[] = [];
  let gone = false;
  const exited = new Promise<void>((resolve) => {
    const end = (why: string) => {
      if (gone) return;
      gone = true;
      resolve();
      for (const listener of exitListeners) listener(why);
    };
    child.on("exit", (code, signal) => end(signal ? `was killed by ${signal}` : `exited with code ${code}`));
    // "error" also reports a failed send; only a process that never started (no pid) is gone for it.
    child.on("error", (error) => {
      if (child.pid === undefined) end(`could not start (${error.message})`);
    });
  });
  return {
    label: `child process ${child.pid ?? "(not started)"}`,
    send(message) {
      // A child that just died cannot take messages; its exit is reported through onExit.
      if (!child.connected) return;
      try {
        child.send(message, (error: Error | null) => void error);
      } catch {
        // Same: the exit event follows.
      }
    },
    onMessage: (listener) => void child.on("message", (message) => listener(message as FromChild)),
    onExit: (listener) => void exitListeners.push(listener),
    kill: () => void child.kill("SIGKILL"),
    exited,
  };
}

/** A pool of `concurrency` child processes, each loading `appModule`. */
export function createProcessPool(options: ProcessPoolOptions): ChildPool {
  const command = options.childCommand ?? poolChildCommand(CHILD_SCRIPT, POOL_CHILD_COMMAND);
  return new ChildPool({
    kind: "process",
    concurrency: options.concurrency,
    appModule: options.appModule,
    logger: options.logger,
    spawn: () => processChannel(command),
  });
}
