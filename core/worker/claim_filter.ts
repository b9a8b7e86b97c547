/**
 * What a worker's claims need to know of its registered tasks: their names
 * (it claims only jobs it can run), declared attempts, which acknowledge
 * early, and the cluster-wide concurrency limits of its tasks and queues.
 */
import * as D from "../defaults.ts";
import type { Task } from "../task.ts";
import type { ConcurrencyLimits } from "../transport.ts";

export interface ClaimFilter {
  tasks: string[];
  maxAttempts: Record<string, number>;
  earlyAckTasks: string[];
  limits: ConcurrencyLimits;
}

export function claimFilterOf(
  // deno-lint-ignore no-explicit-any
  tasks: Task<any, any>[],
  queueLimits: Record<string, number>,
  queueGroupLimits: Record<string, number>,
): ClaimFilter {
  const capped = (key: "concurrencyLimit" | "groupConcurrency") =>
    Object.fromEntries(tasks.filter((task) => task.options[key]).map((task) => [task.name, task.options[key]!]));
  return {
    tasks: tasks.map((task) => task.name),
    maxAttempts: Object.fromEntries(tasks.map((task) => [task.name, (task.options.maxRetries ?? D.DEFAULT_MAX_RETRIES) + 1])),
    earlyAckTasks: tasks.filter((task) => task.options.acksLate === false).map((task) => task.name),
    limits: {
      task: capped("concurrencyLimit"),
      queue: queueLimits,
      taskPerGroup: capped("groupConcurrency"),
      queuePerGroup: queueGroupLimits,
    },
  };
}

/** Whether any task or queue has a cluster-wide concurrency limit, overall or per group. */
export function hasLimits(limits: ConcurrencyLimits): boolean {
  return [limits.task, limits.queue, limits.taskPerGroup ?? {}, limits.queuePerGroup ?? {}].some((caps) => Object.keys(caps).length > 0);
}
