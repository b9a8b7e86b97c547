/**
 * Beat leadership: a session-level advisory lock held on a connection of its
 * own, so the lock lives exactly as long as that session. A leader that dies
 * or loses its connection frees the lock at once; a standby asking next wins.
 */
import postgres from "postgres";
import type { Sql } from "./sql_client.ts";

export class BeatLock {
  #sql?: Sql;

  constructor(
    private readonly url: string,
    private readonly schema: string,
    private readonly appName: string,
    private readonly queries: { beatLeaderTry: string; beatLeaderRelease: string },
  ) {}

  /** True when this process holds the lock now, taking it if it is free. */
  async holdOrTake(): Promise<boolean> {
    this.#sql ??= postgres(this.url, {
      max: 1,
      onnotice: () => {},
      connect_timeout: 10,
      // The session is the lock: it must not be recycled while it leads.
      idle_timeout: 0,
      max_lifetime: 0,
      // Its statements use no arrays (see keepFetchedTypes in transport.ts).
      fetch_types: false,
      connection: { application_name: `tq:${this.appName}:beat` },
    });
    // Named (prepared) statements: the embedded database's socket interleaves its
    // clients' messages, and unnamed statements of two clients would collide.
    const [row] = await this.#sql.unsafe(this.queries.beatLeaderTry, [this.schema], { prepare: true });
    return row.leader === true;
  }

  /** Unlocks and closes the connection; a standby takes over on its next try. */
  async release(): Promise<void> {
    const sql = this.#sql;
    this.#sql = undefined;
    if (!sql) return;
    try {
      await sql.unsafe(this.queries.beatLeaderRelease, [this.schema], { prepare: true });
    } catch {
      // The connection is already gone, and with it the lock.
    }
    await sql.end({ timeout: 5 });
  }
}
