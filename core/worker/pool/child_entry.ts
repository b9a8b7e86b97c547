/**
 * The child side of the process pool: a process started by the worker with
 * an IPC channel (node:child_process `fork`), which loads the app module and
 * runs handlers on request until the worker disconnects. The threads pool's
 * Web Workers run the same code from thread_main.ts.
 */
import process from "node:process";
import { ConfigError } from "../../errors.ts";
import { serveParent } from "./child_serve.ts";
import type { FromChild, ToChild } from "./protocol.ts";

/** The hidden CLI subcommand that turns the tq binary into a pool child. */
export const POOL_CHILD_COMMAND = "__pool-child";

/** Serves the parent worker until it disconnects; returns the exit code. */
export function runPoolChild(_argv: string[]): Promise<number> {
  // The app module arrives in the `init` message, not in argv, so threads and processes share one handshake.
  if (!process.send) {
    return Promise.reject(new ConfigError(`"${POOL_CHILD_COMMAND}" is started by a worker with --pool process, not by hand: it needs the worker's IPC channel.`));
  }
  return serveParent({
    send: (message: FromChild) => void process.send!(message),
    onMessage: (listener) => void process.on("message", (message) => listener(message as ToChild)),
    onClose: (listener) => void process.on("disconnect", listener),
  });
}
