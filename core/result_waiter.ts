/**
 * Waits for many results at once on one subscription: a notification names
 * the finished ids, and one query fetches those we wait for. A poll of all
 * waited ids covers lost notifications (poolers, the embedded database).
 */
import { DatabaseError, ResultTimeout } from "./errors.ts";
import type { Logger } from "./logger.ts";
import { READY_STATES, type ResultSource } from "./result.ts";
import type { ResultRecord, RevokeOutcome, Transport, Unsubscribe } from "./transport.ts";

interface Waiter {
  resolve(record: ResultRecord): void;
  reject(error: Error): void;
}

export class ResultWaiter implements ResultSource {
  readonly #transport: () => Transport;
  readonly #pollMs: number;
  readonly #logger: Logger;
  readonly #waiters = new Map<string, Set<Waiter>>();
  #subscription?: Promise<Unsubscribe | undefined>;
  #pollTimer?: ReturnType<typeof setTimeout>;
  #closed = false;
  readonly #revoke: ResultSource["revoke"];
  readonly #revokeWorkflow: ResultSource["revokeWorkflow"];

  constructor(
    transport: () => Transport,
    pollMs: number,
    logger: Logger,
    revoke: Pick<ResultSource, "revoke" | "revokeWorkflow">,
  ) {
    this.#transport = transport;
    this.#pollMs = pollMs;
    this.#logger = logger;
    this.#revoke = revoke.revoke;
    this.#revokeWorkflow = revoke.revokeWorkflow;
  }

  revoke(id: string, terminate: boolean): Promise<RevokeOutcome[]> {
    return this.#revoke(id, terminate);
  }

  revokeWorkflow(ids: string[], terminate: boolean): Promise<RevokeOutcome[]> {
    return this.#revokeWorkflow(ids, terminate);
  }

  async fetch(id: string): Promise<ResultRecord> {
    const [record] = await this.#transport().resultGetMany([id]);
    return record;
  }

  forget(id: string): Promise<void> {
    return this.#transport().resultForget(id);
  }

  /**
   * Not async, and nothing awaited before returning `done`: the caller's
   * handler is attached at once, so a timeout that fires while the first
   * check is still running reaches the caller's `catch` and nothing else
   * (it used to surface as an unhandled rejection that ended the process).
   */
  waitFor(id: string, timeoutMs: number | undefined): Promise<ResultRecord> {
    let waiter!: Waiter;
    const done = new Promise<ResultRecord>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      waiter = {
        resolve: (record) => (clearTimeout(timer), resolve(record)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      };
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.#remove(id, waiter);
          reject(new ResultTimeout(`Task ${id} did not finish within ${timeoutMs} ms.`));
        }, timeoutMs);
      }
    });
    let set = this.#waiters.get(id);
    if (!set) this.#waiters.set(id, set = new Set());
    set.add(waiter);
    void this.#start(id, waiter);
    return done;
  }

  /** Listens, then looks once: the task may have finished before we listened. Never rejects. */
  async #start(id: string, waiter: Waiter): Promise<void> {
    try {
      await this.#subscribe();
      // An unreachable database fails the wait here instead of polling for good.
      await this.#check([id], true);
    } catch (error) {
      this.#remove(id, waiter);
      waiter.reject(error as Error);
    }
    this.#schedulePoll();
  }

  #remove(id: string, waiter: Waiter): void {
    const set = this.#waiters.get(id);
    set?.delete(waiter);
    if (set?.size === 0) this.#waiters.delete(id);
  }

  #subscribe(): Promise<Unsubscribe | undefined> {
    this.#subscription ??= this.#transport().subscribeResults((ids) => {
      const wanted = ids.length === 0 ? [...this.#waiters.keys()] : ids.filter((id) => this.#waiters.has(id));
      if (wanted.length) void this.#check(wanted);
    }).catch((error) => {
      this.#logger.log("warn", "Listening for results failed; polling instead", { error: String(error) });
      this.#subscription = undefined;
      return undefined;
    });
    return this.#subscription;
  }

  /** Fetches `ids` and settles the waiters of the finished ones. Rejects only when `rethrow`. */
  async #check(ids: string[], rethrow = false): Promise<void> {
    let records: ResultRecord[];
    try {
      records = await this.#transport().resultGetMany(ids);
    } catch (error) {
      // A dropped connection is retried by the poll; anything else (bad URL, missing tables) fails the call.
      // Closing cuts the connections under a look still in flight: nobody waits for it any more.
      if (this.#closed) return;
      if (rethrow && !(error instanceof DatabaseError && error.retryable)) throw error;
      this.#logger.log("warn", "Fetching results failed; will retry", { error: String(error) });
      return;
    }
    for (const record of records) {
      if (!READY_STATES.has(record.state)) continue;
      const set = this.#waiters.get(record.id);
      this.#waiters.delete(record.id);
      for (const waiter of set ?? []) waiter.resolve(record);
    }
  }

  #schedulePoll(): void {
    if (this.#pollTimer || this.#closed || this.#waiters.size === 0) return;
    this.#pollTimer = setTimeout(async () => {
      this.#pollTimer = undefined;
      if (this.#waiters.size) await this.#check([...this.#waiters.keys()]);
      this.#schedulePoll();
    }, this.#pollMs);
  }

  /** Stops listening; pending waits reject. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#pollTimer);
    for (const set of this.#waiters.values()) {
      for (const waiter of set) waiter.reject(new ResultTimeout("The app was closed while waiting for a result."));
    }
    this.#waiters.clear();
    const unsubscribe = await this.#subscription;
    await unsubscribe?.();
  }
}
