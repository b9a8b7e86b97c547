/**
 * What a worker answers to broadcasts (`tq control`, `tq inspect
 * stats|active|reserved|registered|ping`), from a snapshot of its state.
 */
import { hostname, pid, rss } from "../runtime.ts";
import type { ClaimedJob, WorkerStatus } from "../transport.ts";
import { taskOf } from "./executor.ts";
import { type CommandHandlers, consumerHandlers } from "./remote_control.ts";
import type { RunningJobs } from "./running.ts";

export interface CommandSource {
  queues: string[];
  concurrency: number;
  pool: string;
  startedAt: number;
  status(): WorkerStatus;
  /** Outcomes not stored because another worker held the job by then. */
  discarded(): number;
  running: RunningJobs;
  buffered(): ClaimedJob[];
  rateLimited(): ClaimedJob[];
  tasks(): string[];
  /** Starts a graceful stop, as SIGTERM would. */
  shutdown(): void;
  /** The worker's queues changed (add/cancel-consumer). */
  wake(): void;
}

/** Who a worker is, in events and stats. */
export function workerIdentity(source: Pick<CommandSource, "queues" | "concurrency" | "pool">): Record<string, unknown> {
  return { host: hostname(), pid, queues: source.queues, concurrency: source.concurrency, pool: source.pool };
}

export function workerCommands(source: CommandSource): CommandHandlers {
  return {
    ping: () => ({ ok: "pong" }),
    stats: () => ({
      ...workerIdentity(source),
      ...source.status(),
      discarded: source.discarded(),
      buffered: source.buffered().length,
      rateLimited: source.rateLimited().length,
      uptimeMs: Date.now() - source.startedAt,
      rssMb: Math.round(rss() / 1e5) / 10,
    }),
    // Started handlers only: claimed jobs still waiting are `reserved`.
    active: () => ({
      jobs: source.running.values().filter((entry) => entry.started).map(({ job }) => ({ id: job.id, task: taskOf(job), attempt: job.attempt })),
    }),
    reserved: () => ({
      jobs: [
        ...source.buffered().map((job) => ({ id: job.id, task: taskOf(job) })),
        ...source.rateLimited().map((job) => ({ id: job.id, task: "(waiting for its rate limit)" })),
      ],
    }),
    registered: () => ({ tasks: source.tasks() }),
    shutdown: () => {
      setTimeout(() => source.shutdown(), 0);
      return { ok: "shutting down" };
    },
    ...consumerHandlers(source.queues, () => source.wake()),
  };
}
