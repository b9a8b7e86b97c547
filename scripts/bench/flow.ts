/**
 * W10: what flow control costs on the hot path (docs/flow_control.md). One
 * worker process (concurrency 10) drains 20,000 no-op jobs: of a worker with
 * no limit anywhere (the baseline); of a task without a limit on a worker
 * whose other tasks have limits (so it runs the limited claim); of a task
 * whose cluster-wide concurrencyLimit never binds (10,000); of one limited to
 * 5; of the baseline task while another task is paused; sent in 100 groups;
 * and in 100 groups under a cap per group that never binds. Each variant
 * runs `--runs` times (3 by default), interleaved, and the medians are
 * printed with their ratio to the baseline.
 *
 *   bun scripts/bench/flow.ts [--runs 3] [--jobs 20000]
 *
 * Also `bun scripts/bench.ts --only W10`. Uses TQ_DATABASE_URL.
 */
import { drainRate, fill, fresh } from "./backlog.ts";
import { flag } from "./system.ts";

interface Variant {
  name: string;
  task: string;
  /** The worker also has the limited tasks of tq_flow_tasks.ts. */
  limitedWorker?: boolean;
  pauseOther?: boolean;
  groups?: number;
}

const VARIANTS: Variant[] = [
  { name: "no_limit", task: "noop" },
  { name: "unlimited_task_limited_worker", task: "noop", limitedWorker: true },
  { name: "limit_10000", task: "noop_capped", limitedWorker: true },
  { name: "limit_5", task: "noop_five", limitedWorker: true },
  { name: "other_task_paused", task: "noop", pauseOther: true },
  { name: "groups_100", task: "noop", groups: 100 },
  { name: "groups_100_cap_10000", task: "noop_group_capped", groups: 100, limitedWorker: true },
];

async function drainOnce(variant: Variant, jobs: number): Promise<number> {
  const app = await fresh();
  try {
    if (variant.pauseOther) await app.control.pause({ task: "fire" });
    await fill(app, jobs, undefined, variant.task, variant.groups);
    return await drainRate(app, jobs, variant.limitedWorker ? { BENCH_FLOW: "1" } : {});
  } finally {
    await app.transport.uninstall();
    await app.close();
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];

/** Runs W10 and returns its figures: jobs/s per variant, and each one's ratio to no limit. */
export async function flowWorkload(options: { runs: number; jobs: number }): Promise<Record<string, number>> {
  const rates = new Map<string, number[]>(VARIANTS.map((v) => [v.name, []]));
  for (let run = 0; run < options.runs; run++) {
    for (const variant of VARIANTS) {
      // The limit of 5 drains at its own pace; a tenth of the jobs tells it.
      const jobs = variant.name === "limit_5" ? Math.ceil(options.jobs / 10) : options.jobs;
      rates.get(variant.name)!.push(await drainOnce(variant, jobs));
    }
  }
  const figures: Record<string, number> = {};
  const base = median(rates.get("no_limit")!);
  for (const [name, values] of rates) {
    figures[`${name}_drain_jobs_s`] = Math.round(median(values));
    figures[`${name}_ratio`] = Math.round((median(values) / base) * 100) / 100;
  }
  return figures;
}

if (import.meta.main) {
  const figures = await flowWorkload({ runs: Number(flag("--runs") ?? 3), jobs: Number(flag("--jobs") ?? 20_000) });
  console.log(JSON.stringify({ workload: "W10", ...figures }));
}
