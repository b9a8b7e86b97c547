/**
 * The events a worker sends (`-E`): what happens to each job it holds, and
 * to itself. Each carries the Lamport clock; the clock moves past a job's
 * message before task-received, so a task's events order by clock. None
 * carries the job's arguments (a task may hide them: docs/security.md).
 */
import type { LamportClock } from "../clock.ts";
import type { EventSender, EventType } from "../events.ts";
import type { ClaimedJob } from "../transport.ts";
import { type Outcome, taskOf } from "./executor.ts";

export class WorkerEvents {
  constructor(private readonly sender: EventSender, private readonly clock: LamportClock) {}

  /** The worker holds the job now. */
  received(job: ClaimedJob): void {
    const message = job.message as { clock?: unknown } | null;
    if (typeof message?.clock === "number") this.clock.adjust(message.clock);
    this.sender.send("task-received", { taskId: job.id, task: taskOf(job), data: { attempt: job.attempt } });
  }

  started(job: ClaimedJob, task: string): void {
    this.sender.send("task-started", { taskId: job.id, task, data: { attempt: job.attempt } });
  }

  /** How the job ended, or that it goes back for a retry. */
  outcome(job: ClaimedJob, outcome: Outcome, ms: number): void {
    if (outcome.kind === "retry") {
      const data = { attempt: job.attempt, delayMs: outcome.retry.delayMs, error: `${outcome.error.type}: ${outcome.error.message}` };
      this.sender.send("task-retried", { taskId: job.id, task: outcome.task, data });
      return;
    }
    const { completion } = outcome;
    const type = completion.state === "SUCCESS" ? "task-succeeded" : completion.state === "REVOKED" ? "task-revoked" : "task-failed";
    const data: Record<string, unknown> = { attempt: job.attempt, runtimeMs: Math.round(ms * 100) / 100 };
    if (completion.error) data.error = `${completion.error.type}: ${completion.error.message}`;
    this.sender.send(type, { taskId: job.id, task: outcome.task, data });
  }

  /** The job's outcome was not stored: another worker holds the job now. */
  discarded(job: ClaimedJob, task: string): void {
    this.sender.send("task-discarded", { taskId: job.id, task, data: { attempt: job.attempt } });
  }

  /** The worker learned it no longer holds the job (lease lost) and stopped its handler. */
  lost(job: ClaimedJob, task: string): void {
    this.sender.send("task-lost", { taskId: job.id, task, data: { attempt: job.attempt } });
  }

  worker(type: Extract<EventType, `worker-${string}`>, data: Record<string, unknown>): void {
    this.sender.send(type, { data });
  }

  drain(timeoutMs: number): Promise<number> {
    return this.sender.drain(timeoutMs);
  }
}
