/**
 * How a worker stops (Celery's warm, soft and cold shutdown, in one path):
 *
 * 1. At once: stop claiming, and hand the jobs that have not started back to
 *    their queue (uncharged).
 * 2. Running handlers get the grace to finish; their outcomes are written
 *    as usual.
 * 3. When the grace is spent, or the stop is cut short (a second signal),
 *    every running handler's signal is aborted with WorkerShutdown, pool
 *    children are killed, and those jobs are handed back in one statement,
 *    fenced by their tokens: uncharged, with an interruption (not an error)
 *    in their history. Whatever such a handler returns later is ignored.
 *
 * Only a crash leaves jobs to their leases.
 */
import { WorkerShutdown } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { ClaimedJob, JobRelease, Transport, Unsubscribe } from "../transport.ts";
import type { LeaseKeeper } from "./leases.ts";
import type { OutcomeWriter } from "./outcomes.ts";
import type { HandlerPool } from "./pool/pool.ts";
import type { RunningJobs } from "./running.ts";

/** What a stop did. */
export interface StopReport {
  /** Jobs still running when the grace ended: aborted (a clean stop has none). */
  interrupted: number;
  /** Of those, how many the database took back (the rest wait for their lease). */
  handedBack: number;
  /** Claimed jobs that had not started, given back at once. */
  unstarted: number;
}

export interface ShutdownParts {
  workerId: string;
  transport: Transport;
  logger: Logger;
  graceMs: number;
  /** Resolves when the grace is to be cut short. */
  cut: Promise<void>;
  unsubscribe: Unsubscribe[];
  /** Removes and returns the claimed jobs that have not started. */
  takeUnstarted(): ClaimedJob[];
  running: RunningJobs;
  pool: HandlerPool;
  outcomes: OutcomeWriter;
  leases: LeaseKeeper;
  /** Longest wait for outcomes still to be written. */
  drainMs: number;
  /** Last words before the worker's row is removed (the offline event). */
  finish(): Promise<void>;
}

export async function shutdownWorker(parts: ShutdownParts): Promise<StopReport> {
  const { logger, running } = parts;
  await Promise.all(parts.unsubscribe.map((unsubscribe) => unsubscribe().catch(() => {})));

  const unstarted = parts.takeUnstarted();
  await handBack(parts, unstarted.map(({ id, attempt }) => ({ id, attempt })), "unstarted");

  if (running.size) {
    logger.log("info", `Waiting up to ${parts.graceMs} ms for ${running.size} running task(s)`, { running: running.size });
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([running.idle(), parts.cut, new Promise((resolve) => (timer = setTimeout(resolve, parts.graceMs)))]);
    clearTimeout(timer);
  }

  const interrupted = running.values();
  const releases: JobRelease[] = [];
  for (const entry of interrupted) {
    const { id, attempt } = entry.job;
    // A job whose start mark was still on its way never ran: it goes back like an unstarted one.
    releases.push(entry.started ? { id, attempt, reason: "shutdown" } : { id, attempt });
    entry.drop(new WorkerShutdown("The worker is shutting down: this job goes back to its queue and runs again on another worker."));
    parts.pool.kill(id);
  }
  await parts.pool.close();
  const handedBack = await handBack(parts, releases, "interrupted");

  const left = await parts.outcomes.drain(parts.drainMs);
  if (left) logger.log("error", "Some outcomes could not be written; those jobs run again when their lease expires", { left });
  parts.leases.stop();
  await parts.finish();
  try {
    await parts.transport.workerRemove(parts.workerId);
  } catch {
    // The row ages out of inspection by its heartbeat time.
  }
  logger.log("info", `Worker ${parts.workerId} stopped`, { ...parts.outcomes.stats, interrupted: interrupted.length, handedBack, unstarted: unstarted.length });
  return { interrupted: interrupted.length, handedBack, unstarted: unstarted.length };
}

/** Gives jobs back in one statement; returns how many went back (0 when the database could not be reached). */
async function handBack(parts: ShutdownParts, jobs: JobRelease[], what: "unstarted" | "interrupted"): Promise<number> {
  if (jobs.length === 0) return 0;
  try {
    const released = await parts.transport.jobReleaseMany(jobs, parts.workerId);
    if (what === "interrupted") {
      parts.logger.log("warn", `Handed ${released} running job(s) back to their queue: the worker stopped before they finished`, { jobs: released });
    }
    return released;
  } catch (error) {
    parts.logger.log("warn", `Handing back ${what} jobs failed; they run again when their lease expires`, { error: String(error), jobs: jobs.length });
    return 0;
  }
}
