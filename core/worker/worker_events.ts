/**
 * What a worker reports about each job it holds, and about itself, in one
 * place for both audiences: task and worker events written to the database
 * (`-E`, tailed by `tq events`), and telemetry events for an in-process
 * listener (core/telemetry.ts; `--metrics-port`). Either may be off. Stored
 * events carry the Lamport clock; the clock moves past a job's message
 * before task-received, so a task's events order by clock. None carries the
 * job's arguments (a task may hide them: docs/security.md).
 */
import type { LamportClock } from "../clock.ts";
import type { EventSender, EventType } from "../events.ts";
import type { JobEnd, TelemetryEvent } from "../telemetry.ts";
import type { ClaimedJob } from "../transport.ts";
import { type Outcome, queueOf, taskOf } from "./executor.ts";

export class WorkerEvents {
  constructor(
    private readonly sender: EventSender | undefined,
    private readonly clock: LamportClock,
    private readonly telemetry?: (event: TelemetryEvent) => void,
  ) {}

  /** Whether events are written to the database (`-E`). */
  get stored(): boolean {
    return this.sender !== undefined;
  }

  /** The worker holds the job now. */
  received(job: ClaimedJob): void {
    if (this.sender) {
      const message = job.message as { clock?: unknown } | null;
      if (typeof message?.clock === "number") this.clock.adjust(message.clock);
      this.sender.send("task-received", { taskId: job.id, task: taskOf(job), data: { attempt: job.attempt } });
    }
    this.telemetry?.({ type: "job-claimed", queue: queueOf(job), task: taskOf(job), waitedMs: job.waitedMs ?? 0 });
  }

  started(job: ClaimedJob, task: string): void {
    this.sender?.send("task-started", { taskId: job.id, task, data: { attempt: job.attempt } });
    this.telemetry?.({ type: "job-started", queue: queueOf(job), task, attempt: job.attempt });
  }

  /** How the job ended, or that it goes back for a retry: stored by now. */
  outcome(job: ClaimedJob, outcome: Outcome, ms: number): void {
    this.#ended(job, outcome.task, ms, endOf(outcome));
    if (!this.sender) return;
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
  discarded(job: ClaimedJob, task: string, ms: number): void {
    this.#ended(job, task, ms, "discarded");
    this.sender?.send("task-discarded", { taskId: job.id, task, data: { attempt: job.attempt } });
  }

  /** The worker learned it no longer holds the job (lease lost) and stopped its handler. */
  lost(job: ClaimedJob, task: string): void {
    this.sender?.send("task-lost", { taskId: job.id, task, data: { attempt: job.attempt } });
  }

  worker(type: Extract<EventType, `worker-${string}`>, data: Record<string, unknown>): void {
    this.sender?.send(type, { data });
  }

  async drain(timeoutMs: number): Promise<number> {
    return (await this.sender?.drain(timeoutMs)) ?? 0;
  }

  #ended(job: ClaimedJob, task: string, ms: number, end: JobEnd): void {
    this.telemetry?.({ type: "job-ended", queue: queueOf(job), task, attempt: job.attempt, outcome: end, runMs: ms });
  }
}

/** What telemetry calls an outcome. A refused copy of a signed message that already ran stores nothing: the first run's outcome stands. */
function endOf(outcome: Outcome): JobEnd {
  if (outcome.kind === "retry") return "retried";
  if (outcome.completion.drop) return "discarded";
  const { state } = outcome.completion;
  return state === "SUCCESS" ? "succeeded" : state === "REVOKED" ? "revoked" : "failed";
}
