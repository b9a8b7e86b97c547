/** Tasks the benchmark's worker processes run. */
import { App } from "../mod.ts";

export const app = new App({ name: "bench" });

/** Does nothing: measures the queue, not the work. */
export const noop = app.task("noop", (_i: number) => null);

/** Returns the time it started, for pickup latency. */
export const stamp = app.task("stamp", () => Date.now());
