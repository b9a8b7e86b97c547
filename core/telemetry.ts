/**
 * Telemetry: what a worker or beat does, as typed events delivered in
 * process to a listener (`WorkerOptions.telemetry`, `BeatOptions.telemetry`).
 * `tq worker --metrics-port` turns them into Prometheus metrics
 * (docs/observability.md has the table); a program can feed its own
 * metrics library. Unlike task events (core/events.ts) they are never
 * written to the database, so they cost a function call each.
 */
import type { Logger } from "./logger.ts";

/** How a job's attempt ended, as far as its worker knows once the outcome is stored. */
export type JobEnd = "succeeded" | "failed" | "revoked" | "retried" | "discarded";

/** A worker claimed a job: how long it had waited since it was due. */
export interface JobClaimedEvent {
  /** The event's kind. */
  type: "job-claimed";
  /** The queue the job is in. */
  queue: string;
  /** The task's name. */
  task: string;
  /** Time from when it was due (sent, or its eta or retry time) to the claim, by the database clock (ms). */
  waitedMs: number;
}

/** A job's handler started. */
export interface JobStartedEvent {
  /** The event's kind. */
  type: "job-started";
  /** The queue the job is in. */
  queue: string;
  /** The task's name. */
  task: string;
  /** The claim this is (the job's attempt number, from 1). */
  attempt: number;
}

/**
 * A job's attempt ended and its outcome was stored; `discarded` when nothing
 * was stored: another worker held the job by then, or it was a refused copy
 * of a signed message that already ran.
 */
export interface JobEndedEvent {
  /** The event's kind. */
  type: "job-ended";
  /** The queue the job is in. */
  queue: string;
  /** The task's name. */
  task: string;
  /** The claim this is (the job's attempt number, from 1). */
  attempt: number;
  /** What became of the attempt. */
  outcome: JobEnd;
  /** How long its handler ran (ms); 0 when it never started (revoked, expired, refused). */
  runMs: number;
}

/** The maintenance sweep took back jobs whose lease had expired (their worker died or hung). */
export interface JobsRescuedEvent {
  /** The event's kind. */
  type: "jobs-rescued";
  /** Put back in their queue to run again. */
  requeued: number;
  /** Failed as WorkerLost: out of attempts. */
  failed: number;
  /** Ended as revoked: revoked while their worker was gone. */
  revoked: number;
}

/** A leading beat handled one tick of a schedule. */
export interface BeatTickEvent {
  /** The event's kind. */
  type: "beat-tick";
  /** The schedule's name. */
  schedule: string;
  /** Whether the tick sent a job (false: skipped, as missed ticks are by the "skip" policy). */
  sent: boolean;
}

/** Anything a worker or beat reports to a telemetry listener. */
export type TelemetryEvent = JobClaimedEvent | JobStartedEvent | JobEndedEvent | JobsRescuedEvent | BeatTickEvent;

/** Receives telemetry events; called synchronously, so it must be quick and must not throw (a throw is logged once and ignored). */
export type TelemetryListener = (event: TelemetryEvent) => void;

/** Calls a listener, keeping its mistakes out of the worker: the first throw is logged, the rest ignored. */
export function telemetryEmitter(listener: TelemetryListener | undefined, logger: Logger): ((event: TelemetryEvent) => void) | undefined {
  if (!listener) return undefined;
  let warned = false;
  return (event) => {
    try {
      listener(event);
    } catch (error) {
      if (warned) return;
      warned = true;
      logger.log("warn", "A telemetry listener threw; its errors are ignored from now on", { error: String((error as Error)?.message ?? error) });
    }
  };
}
