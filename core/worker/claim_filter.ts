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

// deno-lint-ignore no-explicit-any
export function claimFilterOf(tasks: Task<any, any>[], queueLimits: Record<string, number>): ClaimFilter {
  return {
    tasks: tasks.map((task) => task.name),
    maxAttempts: Object.fromEntries(tasks.map((task) => [task.name, (task.options.maxRetries ?? D.DEFAULT_MAX_RETRIES) + 1])),
    earlyAckTasks: tasks.filter((task) => task.options.acksLate === false).map((task) => task.name),
    limits: {
      task: Object.fromEntries(tasks.filter((task) => task.options.concurrencyLimit).map((task) => [task.name, task.options.concurrencyLimit!])),
      queue: queueLimits,
    },
  };
}

/** Whether any task or queue has a cluster-wide concurrency limit. */
export function hasLimits(limits: ConcurrencyLimits): boolean {
  return Object.keys(limits.task).length + Object.keys(limits.queue).length > 0;
}
