/**
 * The notifier: one connection of its own for the wake-ups sent after
 * commits (queries/notify_many.sql says why they are sent apart). Each send
 * is fire-and-forget: wake-ups are hints, workers and waiters also poll.
 */
import { adoptTypes, keepFetchedTypes } from "./fetched_types.ts";
import type { SocketWatch } from "./link.ts";
import type { Sql } from "./sql_client.ts";

export interface NotifierOptions {
  /** The notify statement: channel $1, payloads $2. */
  statement: string;
  watch: SocketWatch;
  /** Makes the client; `types` says whether it was given the pool's array types (then it fetches none). */
  open: (types: boolean) => Sql;
  /** The pool, whose array types the notifier borrows. */
  pool: Sql;
  /** Runs a statement under the transport's deadline. */
  bounded: <T>(query: PromiseLike<T>) => Promise<T>;
}

/** Sends wake-ups on a connection of its own, created on the first send. */
export class Notifier {
  readonly #options: NotifierOptions;
  #sql?: Sql;

  constructor(options: NotifierOptions) {
    this.#options = options;
  }

  /** Sends `payloads` on `channel` without waiting; a failure is ignored. */
  send(channel: string, payloads: string[]): void {
    if (!this.#sql) {
      // The first send follows a statement that succeeded on the pool, so the
      // notifier borrows the pool's array types instead of fetching them: a
      // fetch cut short by close would fail the process (see keepFetchedTypes).
      const adopt = adoptTypes(this.#options.pool);
      this.#sql = this.#options.open(adopt !== undefined);
      adopt?.(this.#sql);
    }
    const sql = this.#sql;
    const query = sql.unsafe(this.#options.statement, [channel, payloads], { prepare: true });
    this.#options.bounded(query).then(() => keepFetchedTypes(sql), () => {});
  }

  /** Ends the connection, failing the sends still in flight. */
  async close(): Promise<void> {
    await this.#sql?.end({ timeout: 0 });
  }

  /** Destroys what the driver could only ask to close. */
  destroy(): void {
    this.#options.watch.destroyAll();
  }
}
