/**
 * A worker's view of the settings that can change while it runs: rate
 * limits and time limits from the tasks' options, overridden by what
 * `tq control` stored, and the queues and tasks paused. Reloaded when a
 * notification or a heartbeat says they changed.
 */
import type { Logger } from "../logger.ts";
import { parseRate } from "../rate.ts";
import type { Registry } from "../registry.ts";
import type { Task } from "../task.ts";
import type { ClaimedJob, Transport } from "../transport.ts";
import { taskOf } from "./executor.ts";
import type { RateGates } from "./rate_gate.ts";

type TimeLimit = [number | null, number | null];

export class TaskSettingsView {
  /** Time limits set at run time (`tq control time-limit`), overriding task options. */
  #timeLimits = new Map<string, TimeLimit>();

  constructor(
    private readonly transport: () => Transport,
    // deno-lint-ignore no-explicit-any
    private readonly registry: Registry<Task<any, any>>,
    private readonly gates: RateGates,
    private readonly logger: Logger,
  ) {}

  /** Queues and tasks paused cluster-wide (`tq control pause`): their jobs must not start here. */
  #paused = { queues: new Set<string>(), tasks: new Set<string>() };

  /** Whether `job`'s queue or task is paused. */
  isPaused(job: ClaimedJob): boolean {
    if (this.#paused.queues.size === 0 && this.#paused.tasks.size === 0) return false;
    const queue = (job.message as { queue?: unknown } | null)?.queue;
    return (typeof queue === "string" && this.#paused.queues.has(queue)) || this.#paused.tasks.has(taskOf(job));
  }

  /** The run-time time limit of `task`, if one was set. */
  timeLimit(task: string): TimeLimit | undefined {
    return this.#timeLimits.get(task);
  }

  /** Applies rate and time limits (task options, overridden by settings changed at run time) and the pauses. */
  async load(): Promise<void> {
    const [settings, pauses] = await Promise.all([this.transport().taskSettingList(), this.transport().pauseList()]);
    this.#paused = {
      queues: new Set(pauses.filter((p) => p.kind === "queue").map((p) => p.name)),
      tasks: new Set(pauses.filter((p) => p.kind === "task").map((p) => p.name)),
    };
    const overrides = new Map(settings.map((s) => [s.task, s]));
    this.#timeLimits = new Map([...overrides.values()].filter((s) => s.timeLimit).map((s) => [s.task, s.timeLimit!]));
    for (const task of this.registry.all()) {
      const setting = overrides.get(task.name);
      const local = setting?.rateLimit ?? task.options.rateLimit;
      const cluster = setting?.clusterRateLimit ?? task.options.clusterRateLimit;
      try {
        this.gates.configure(task.name, {
          local: local === undefined ? undefined : parseRate(local),
          cluster: cluster === undefined ? undefined : parseRate(cluster, "clusterRateLimit"),
        });
      } catch (error) {
        this.logger.log("error", `Ignoring the rate limit set for task ${task.name}`, { error: String((error as Error).message) });
      }
    }
  }
}
