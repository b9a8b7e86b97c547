/**
 * How long-running commands stop: the first SIGTERM or SIGINT (or a
 * `tq control shutdown`) stops gracefully; a second cuts the grace short
 * where the command has one (the worker hands its running jobs back now);
 * another after that exits at once.
 */
import type { Logger } from "../mod.ts";
import { exit, onSignal } from "../core/runtime.ts";
import { EXIT } from "./errors.ts";
import { err } from "./output.ts";

export interface StopSignals {
  /** Resolves once the graceful stop has finished (or failed). */
  stopped: Promise<void>;
  /** Starts the graceful stop for another reason, as a signal would. */
  request(reason: string): void;
}

export interface Stoppable {
  /** The graceful stop. */
  stop(): Promise<unknown>;
  /** Cuts a graceful stop short (second signal); without it a second signal exits at once. */
  stopNow?(): Promise<unknown>;
}

/** Runs `target.stop` on the first signal; `what` says what exiting at once abandons. */
export function stopOnSignals(logger: Logger, target: Stoppable, what: string): StopSignals {
  let requests = 0;
  let request!: (reason: string) => void;
  const stopped = new Promise<void>((done) => {
    request = (reason) => {
      requests++;
      if (requests === 1) {
        logger.log("info", `${reason} received: stopping (send it again to stop at once)`);
        target.stop().then(() => done(), () => done());
      } else if (requests === 2 && target.stopNow) {
        logger.log("warn", `Second ${reason}: stopping now, handing running jobs back (send it again to exit at once)`);
        target.stopNow().then(() => done(), () => done());
      } else {
        err(`tq: ${reason} again: exiting now; ${what}`);
        exit(EXIT.failure);
      }
    };
    onSignal("SIGTERM", () => request("SIGTERM"));
    onSignal("SIGINT", () => request("SIGINT"));
  });
  return { stopped, request };
}
