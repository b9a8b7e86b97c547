/**
 * Collects items (completions, retries) and writes them in batches: one
 * write in flight at a time, and whatever arrives meanwhile goes in the next.
 * Idle, an item is written at once; under load, batches grow by themselves.
 * A write that meets a dropped connection is retried with backoff (the
 * writes are fenced, so repeating one is safe); a batch rejected for another
 * reason is split to find the item at fault, which is dropped and reported.
 */
import { DatabaseError } from "./errors.ts";
import type { Logger } from "./logger.ts";

export interface BatcherOptions<T> {
  name: string;
  maxBatch: number;
  write: (items: T[]) => Promise<void>;
  logger: Logger;
  /** Called for an item the database keeps rejecting. */
  onDropped?: (item: T, error: unknown) => void;
}

/**
 * Longest wait between attempts at a write that met a dropped connection.
 * The transport reconnects within half a second of the server being back,
 * so a longer wait only delays the outcomes (and, past the lease, the
 * leases); a failed attempt costs one refused connection.
 */
const MAX_BACKOFF_MS = 1_000;

/** First wait after a dropped connection; doubles up to MAX_BACKOFF_MS. */
const FIRST_BACKOFF_MS = 50;

export class Batcher<T> {
  readonly #options: BatcherOptions<T>;
  #pending: T[] = [];
  /** The batch being written now. */
  #inFlight: T[] = [];
  #flushing?: Promise<void>;
  #failures = 0;

  constructor(options: BatcherOptions<T>) {
    this.#options = options;
  }

  get size(): number {
    return this.#pending.length;
  }

  /** Items not yet written: waiting, or in the write under way. */
  unwritten(): T[] {
    return [...this.#inFlight, ...this.#pending];
  }

  add(item: T): void {
    this.#pending.push(item);
    this.#flushing ??= this.#flushAll();
  }

  /**
   * Writes until nothing is pending. The flag is cleared in the same
   * synchronous step that finds the queue empty: cleared a microtask later
   * (a `.finally` callback, or an awaited helper), an item added in between
   * would see a flush "in progress" and never be written.
   */
  async #flushAll(): Promise<void> {
    try {
      while (this.#pending.length) {
        const batch = this.#pending.splice(0, this.#options.maxBatch);
        this.#inFlight = batch;
        try {
          await this.#options.write(batch);
          this.#failures = 0;
        } catch (error) {
          if (error instanceof DatabaseError && error.retryable) {
            this.#pending.unshift(...batch);
            this.#failures++;
            const delay = Math.round(Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** this.#failures) * (0.5 + Math.random() / 2));
            this.#options.logger.log("warn", `Writing ${this.#options.name} failed; retrying`, { error: error.message, inMs: delay, pending: this.#pending.length });
            await new Promise((resolve) => setTimeout(resolve, delay));
          } else {
            await this.#isolate(batch, error);
          }
        } finally {
          this.#inFlight = [];
        }
      }
    } finally {
      this.#flushing = undefined;
    }
  }

  /** Writes the items one by one so one bad item does not sink the rest. */
  async #isolate(batch: T[], batchError: unknown): Promise<void> {
    if (batch.length === 1) {
      this.#options.logger.log("error", `Dropped one of ${this.#options.name} the database rejects`, { error: String(batchError) });
      this.#options.onDropped?.(batch[0], batchError);
      return;
    }
    for (const item of batch) {
      try {
        await this.#options.write([item]);
      } catch (error) {
        if (error instanceof DatabaseError && error.retryable) this.#pending.push(item);
        else await this.#isolate([item], error);
      }
    }
  }

  /** Resolves when everything added so far is written, or after `timeoutMs`; returns what is left. */
  async drain(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.#flushing && Date.now() < deadline) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([this.#flushing, new Promise((r) => (timer = setTimeout(r, Math.max(0, deadline - Date.now()))))]);
      clearTimeout(timer);
    }
    return this.#pending.length;
  }
}
