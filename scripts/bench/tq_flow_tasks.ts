/**
 * Tasks with concurrency limits, for W10 (scripts/bench/flow.ts) only: a
 * worker that has any limited task runs the limited claim for all its jobs,
 * so the other workloads' workers must not register these
 * (systems/tq_worker.ts loads them when BENCH_FLOW=1).
 */
import { app } from "./tq_tasks.ts";

/** noop under a cluster-wide concurrency limit that never binds (W10: what a limit costs). */
export const noopCapped = app.task({ name: "noop_capped", concurrencyLimit: 10_000 }, (_i: number) => null);

/** noop under a limit of 5 running at once (W10: a limit that binds). */
export const noopFive = app.task({ name: "noop_five", concurrencyLimit: 5 }, (_i: number) => null);

/** noop under a cap per group that never binds (W10: what a group cap costs). */
export const noopGroupCapped = app.task({ name: "noop_group_capped", groupConcurrency: 10_000 }, (_i: number) => null);
