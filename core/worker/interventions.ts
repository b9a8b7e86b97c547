/**
 * What happens to a job a worker holds when someone else decides its fate:
 * a revoke (`tq control revoke`, from a notification or the heartbeat), or
 * the heartbeat's news that the worker lost its lease on it.
 */
import { LeaseLost, TaskRevoked } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { JobToken } from "../transport.ts";
import { taskOf } from "./executor.ts";
import { revokedOutcome } from "./job_runner.ts";
import type { OutcomeWriter } from "./outcomes.ts";
import type { HandlerPool } from "./pool/pool.ts";
import type { RunningJobs } from "./running.ts";
import type { WaitingJobs } from "./waiting_jobs.ts";
import type { WorkerEvents } from "./worker_events.ts";

export interface HeldJobs {
  running: RunningJobs;
  waiting: WaitingJobs;
  pool: HandlerPool;
  outcomes: OutcomeWriter;
  events?: WorkerEvents;
  logger: Logger;
}

/**
 * A job this worker held under `token` is no longer its own (it paused past
 * the lease and another worker took the job): its handler is aborted with
 * LeaseLost and its slot freed, and its outcome is never written; a waiting
 * one is dropped.
 */
export function loseLease(held: HeldJobs, token: JobToken): void {
  const running = held.running.get(token.id);
  if (running && running.job.attempt === token.attempt) {
    const task = taskOf(running.job);
    running.drop(new LeaseLost(`Task ${task}[${token.id}] lost its lease: another worker may be running it.`));
    held.pool.kill(token.id);
    held.events?.lost(running.job, task);
    held.logger.log("warn", `Task ${task}[${token.id}] lost its lease (this worker stopped renewing it in time); its handler was aborted and its outcome will not be written`, { id: token.id, attempt: token.attempt });
    return;
  }
  const waiting = held.waiting.take(token.id);
  if (!waiting) return;
  if (waiting.attempt !== token.attempt) {
    held.waiting.putBack(waiting);
    return;
  }
  held.logger.log("warn", `Task ${taskOf(waiting)}[${token.id}] lost its lease before it started; dropped`, { id: token.id, attempt: token.attempt });
}

/** Ends a held job as revoked: at once if it waits or if `terminate`, else after its run, without retry. */
export function revokeHeld(held: HeldJobs, id: string, terminate: boolean): void {
  const waiting = held.waiting.take(id);
  if (waiting) {
    held.outcomes.record(waiting, revokedOutcome(waiting, "(not started)", "The task was revoked before it started."), 0);
    return;
  }
  const running = held.running.get(id);
  if (!running) return;
  running.revoked = true;
  if (!terminate) return;
  running.controller.abort(new TaskRevoked("The task was revoked with terminate."));
  held.pool.kill(id);
  running.settle(revokedOutcome(running.job, taskOf(running.job), "The task was revoked and terminated while it ran."));
}
