/**
 * The threads pool: each child is a Web Worker running thread_main.ts, and
 * `terminate()` stops one even in `while (true) {}`. Only where the runtime
 * can do that (Bun; see `threadsUnavailable` in core/runtime.ts); elsewhere
 * createPool uses the process pool instead.
 */
import type { Logger } from "../../logger.ts";
import { ChildPool } from "./child_pool.ts";
import type { Channel, FromChild } from "./protocol.ts";

const THREAD_SCRIPT = new URL("./thread_main.ts", import.meta.url).href;

export interface ThreadPoolOptions {
  concurrency: number;
  appModule: string;
  logger: Logger;
}

let threadCount = 0;

/** The worker's end of one Web Worker. */
export function threadChannel(): Channel {
  const thread = new Worker(THREAD_SCRIPT, { type: "module" });
  const messageListeners: ((message: FromChild) => void)[] = [];
  const exitListeners: ((why: string) => void)[] = [];
  let gone = false;
  let lastError = "";
  let resolveExited!: () => void;
  const exited = new Promise<void>((resolve) => resolveExited = resolve);
  const end = (why: string) => {
    if (gone) return;
    gone = true;
    resolveExited();
    for (const listener of exitListeners) listener(why);
  };
  thread.addEventListener("message", (event) => {
    for (const listener of messageListeners) listener(event.data as FromChild);
  });
  // An error the thread did not catch ends it (Bun then sends "close" with code 1): keep its message for the report.
  thread.addEventListener("error", (event) => {
    lastError = (event as ErrorEvent).message ?? "";
    event.preventDefault();
  });
  // "close" is Bun's event for a thread that ended, by terminate(), process.exit() or an uncaught error.
  thread.addEventListener("close", (event) => {
    const code = (event as Event & { code?: number }).code;
    end(`exited with code ${code}${lastError ? ` (${lastError})` : ""}`);
  });
  return {
    label: `thread ${++threadCount}`,
    send: (message) => {
      if (!gone) thread.postMessage(message);
    },
    onMessage: (listener) => void messageListeners.push(listener),
    onExit: (listener) => void exitListeners.push(listener),
    kill: () => {
      thread.terminate();
      // terminate() stops the thread now; do not wait on an event to say so.
      end("was terminated");
    },
    exited,
  };
}

/** A pool of `concurrency` Web Workers, each loading `appModule`. */
export function createThreadPool(options: ThreadPoolOptions): ChildPool {
  return new ChildPool({ kind: "threads", ...options, spawn: threadChannel });
}
