/**
 * How long-running commands stop: the first SIGTERM or SIGINT (or a
 * `tq control shutdown`) stops gracefully, a second exits at once.
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

/** Runs `stop` on the first signal; `what` says what a second one abandons. */
export function stopOnSignals(logger: Logger, stop: () => Promise<unknown>, what: string): StopSignals {
  let requests = 0;
  let request!: (reason: string) => void;
  const stopped = new Promise<void>((done) => {
    request = (reason) => {
      if (++requests > 1) {
        err(`tq: second ${reason}: exiting now; ${what}`);
        exit(EXIT.failure);
      }
      logger.log("info", `${reason} received: stopping (send it again to exit at once)`);
      stop().then(() => done(), () => done());
    };
    onSignal("SIGTERM", () => request("SIGTERM"));
    onSignal("SIGINT", () => request("SIGINT"));
  });
  return { stopped, request };
}
