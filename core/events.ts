/**
 * Task and worker events, as in Celery: task-sent, task-received,
 * task-started, task-succeeded, task-failed, task-retried, task-revoked;
 * worker-online, worker-heartbeat, worker-offline. Each carries the
 * sender's Lamport clock, which orders the events of one task across
 * processes, and its wall-clock time. They are written in batches to the
 * events table (kept an hour) and tailed with `tq events`. Only task-sent
 * carries arguments, and only as tq shows them (TaskOptions.redact,
 * core/redact.ts, or the task's stored rule for a sender without its code);
 * see docs/security.md.
 */
import type { LamportClock } from "./clock.ts";
import type { Logger } from "./logger.ts";
import type { TqEvent, Transport } from "./transport.ts";
import { Batcher } from "./batcher.ts";

/**
 * The task events: sent, received (claimed), started, then succeeded,
 * failed, retried or revoked; discarded when an outcome was not stored
 * because another worker held the job by then, lost when a worker learned it
 * no longer held a running job.
 */
export const TASK_EVENTS = ["task-sent", "task-received", "task-started", "task-succeeded", "task-failed", "task-retried", "task-revoked", "task-discarded", "task-lost"] as const;
/** The worker events: sent when a worker starts, at each heartbeat, and when it stops. */
export const WORKER_EVENTS = ["worker-online", "worker-heartbeat", "worker-offline"] as const;
/** The type of any task or worker event. */
export type EventType = (typeof TASK_EVENTS)[number] | (typeof WORKER_EVENTS)[number];

/** The fields of an event that its sender chooses. */
export interface EventFields {
  taskId?: string;
  task?: string;
  /** The clock value it happened at (a sent message carries its own); otherwise the clock moves forward for it. */
  clock?: number;
  data?: Record<string, unknown>;
  /** `data.args` come from a sender without the task's code: the store applies the task's redaction rule. */
  argsByRule?: boolean;
}

/**
 * Writes events in batches; sending never waits for the database, except
 * into a caller's transaction (`sendIn`), where the events must commit or
 * roll back with it.
 */
export class EventSender {
  readonly #batcher: Batcher<TqEvent>;
  readonly #transport: () => Transport;
  readonly #clock: LamportClock;
  readonly #worker?: string;

  constructor(options: { transport: () => Transport; clock: LamportClock; logger: Logger; worker?: string }) {
    this.#transport = options.transport;
    this.#clock = options.clock;
    this.#worker = options.worker;
    this.#batcher = new Batcher({
      name: "events",
      maxBatch: 1_000,
      logger: options.logger,
      write: (events) => options.transport().eventInsertMany(events),
    });
  }

  /** Sends one event, in the next batch. */
  send(type: EventType, fields: EventFields = {}): void {
    this.#batcher.add(this.#event(type, fields));
  }

  /**
   * Writes events now, in one statement on `sql` when given (a caller's
   * postgres.js transaction): a rollback then leaves none of them, as it
   * leaves none of the jobs sent with them. Without `sql`, like send().
   */
  async sendIn(sql: unknown, type: EventType, list: EventFields[]): Promise<void> {
    const events = list.map((fields) => this.#event(type, fields));
    if (sql === undefined) {
      for (const event of events) this.#batcher.add(event);
      return;
    }
    await this.#transport().eventInsertMany(events, { sql });
  }

  #event(type: EventType, fields: EventFields): TqEvent {
    const event: TqEvent = { type, clock: fields.clock ?? this.#clock.forward(), at: new Date().toISOString() };
    if (fields.taskId) event.taskId = fields.taskId;
    if (fields.task) event.task = fields.task;
    if (this.#worker) event.worker = this.#worker;
    if (fields.data) event.data = fields.data;
    if (fields.argsByRule) event.argsByRule = true;
    return event;
  }

  /** Writes what is pending, waiting at most `timeoutMs`; returns how many were left. */
  drain(timeoutMs: number): Promise<number> {
    return this.#batcher.drain(timeoutMs);
  }
}
