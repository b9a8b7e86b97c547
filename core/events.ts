/**
 * Task and worker events, as in Celery: task-sent, task-received,
 * task-started, task-succeeded, task-failed, task-retried, task-revoked;
 * worker-online, worker-heartbeat, worker-offline. Each carries the
 * sender's Lamport clock, which orders the events of one task across
 * processes, and its wall-clock time. They are written in batches to the
 * events table (kept an hour) and tailed with `tq events`.
 */
import type { LamportClock } from "./clock.ts";
import type { Logger } from "./logger.ts";
import type { TqEvent, Transport } from "./transport.ts";
import { Batcher } from "./worker/batcher.ts";

export const TASK_EVENTS = ["task-sent", "task-received", "task-started", "task-succeeded", "task-failed", "task-retried", "task-revoked"] as const;
export const WORKER_EVENTS = ["worker-online", "worker-heartbeat", "worker-offline"] as const;
export type EventType = (typeof TASK_EVENTS)[number] | (typeof WORKER_EVENTS)[number];

/** Writes events in batches; sending never waits for the database. */
export class EventSender {
  readonly #batcher: Batcher<TqEvent>;
  readonly #clock: LamportClock;
  readonly #worker?: string;

  constructor(options: { transport: () => Transport; clock: LamportClock; logger: Logger; worker?: string }) {
    this.#clock = options.clock;
    this.#worker = options.worker;
    this.#batcher = new Batcher({
      name: "events",
      maxBatch: 1_000,
      logger: options.logger,
      write: (events) => options.transport().eventInsertMany(events),
    });
  }

  /**
   * Sends one event. `clock` is the value it happened at (a sent message
   * carries its own); otherwise the clock moves forward for it.
   */
  send(type: EventType, fields: { taskId?: string; task?: string; clock?: number; data?: Record<string, unknown> } = {}): void {
    const event: TqEvent = { type, clock: fields.clock ?? this.#clock.forward(), at: new Date().toISOString() };
    if (fields.taskId) event.taskId = fields.taskId;
    if (fields.task) event.task = fields.task;
    if (this.#worker) event.worker = this.#worker;
    if (fields.data) event.data = fields.data;
    this.#batcher.add(event);
  }

  /** Writes what is pending, waiting at most `timeoutMs`; returns how many were left. */
  drain(timeoutMs: number): Promise<number> {
    return this.#batcher.drain(timeoutMs);
  }
}
