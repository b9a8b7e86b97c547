/**
 * Beat leadership: a row with a lease (queries/beat_leader_try.sql), renewed
 * by the leader each round on a connection of its own. That connection's
 * backend is the leader's sign of life on a server: when it ends (the leader
 * died or was cut off), a standby takes over on its next check. Otherwise,
 * and always on the embedded database (one session shared by all clients, so
 * a session advisory lock could not tell beats apart), the lease decides.
 */
import postgres from "postgres";
import type { Sql } from "./sql_client.ts";

export class BeatLock {
  #sql?: Sql;
  /** This process's holder id: only it renews or releases the row it took. */
  readonly #holder = crypto.randomUUID();
  /** Whether a try ever led: a beat that never led has nothing to release. */
  #hasLed = false;

  constructor(
    private readonly url: string,
    private readonly appName: string,
    private readonly queries: { beatLeaderTry: string; beatLeaderRelease: string },
  ) {}

  /** True when this process leads for the next `leaseMs`, renewing its lead or taking a free one. */
  async holdOrTake(leaseMs: number): Promise<boolean> {
    this.#sql ??= postgres(this.url, {
      max: 1,
      onnotice: () => {},
      connect_timeout: 10,
      // The session is the leader's sign of life: it must not be recycled while it leads.
      idle_timeout: 0,
      max_lifetime: 0,
      // Its statements use no arrays (see keepFetchedTypes in connection.ts).
      fetch_types: false,
      connection: { application_name: `tq:${this.appName}:beat` },
    });
    // Named (prepared) statements: the embedded database's socket interleaves its
    // clients' messages, and unnamed statements of two clients would collide.
    const rows = await this.#sql.unsafe(this.queries.beatLeaderTry, [this.#holder, Math.ceil(leaseMs)], { prepare: true });
    const leads = rows.length > 0;
    if (leads) this.#hasLed = true;
    return leads;
  }

  /** Steps down if leading, and closes the connection; a standby takes over on its next check. */
  async release(): Promise<void> {
    const sql = this.#sql;
    this.#sql = undefined;
    if (!sql) return;
    if (this.#hasLed) {
      // Deletes the row only if this process still holds it.
      try {
        await sql.unsafe(this.queries.beatLeaderRelease, [this.#holder], { prepare: true });
      } catch {
        // The database is out of reach: the lease runs out by itself.
      }
    }
    await sql.end({ timeout: 5 });
  }
}
