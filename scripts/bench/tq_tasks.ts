/** Tasks the benchmark's tq workers run. */
import { App } from "../../mod.ts";

export const app = new App({ name: "bench" });

/** Does nothing: measures the queue, not the work. Its result (null) is stored. */
export const noop = app.task("noop", (_i: number) => null);

/** Does nothing and stores no result, as the peers do (they keep no results). */
export const fire = app.task({ name: "fire", ignoreResult: true }, (_i: number) => null);

/** Reports when it started on stdout, for pickup latency, and returns that time. */
export const stamp = app.task("stamp", (i: number) => {
  const at = Date.now();
  console.log(`stamp ${i} ${at}`);
  return at;
});

/** A chord's callback (W7): gets every member's result and returns how many there were. */
export const tally = app.task("tally", (results: unknown[]) => results.length);
