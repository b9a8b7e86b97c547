/**
 * The canvas in PostgreSQL: starting a workflow (its groups, chords and
 * first jobs in one statement), firing ready chords, restoring groups, and
 * marking a revoked workflow's steps that were not sent yet.
 */
import type { Launch } from "../../core/canvas/launch.ts";
import type { PgConnection } from "./connection.ts";

export class PgCanvas {
  constructor(private readonly db: PgConnection) {}

  async canvasInsert(launch: Launch, options: { sql?: unknown } = {}): Promise<void> {
    await this.db.run("canvasInsert", [JSON.stringify(launch)], options.sql ?? this.db.sql);
    // A chord with no members is ready at once.
    const empty = launch.chords.filter((c) => c.members.length === 0).map((c) => c.id);
    if (empty.length && options.sql === undefined) await this.chordFire(empty);
  }

  /**
   * Sends the callbacks of ready chords `ids`, each once; with `ids` null,
   * of every chord ready for longer than `staleMs` (the sweep's catch-up).
   */
  async chordFire(ids: string[] | null, staleMs = 0): Promise<number> {
    const [row] = await this.db.run("chordFire", [ids, staleMs]);
    return row?.fired ?? 0;
  }

  async groupMembers(id: string): Promise<string[] | undefined> {
    const [row] = await this.db.run("groupGet", [id]);
    return row?.members;
  }

  async canvasRevokeUnsent(ids: string[], options: { reason: string; resultTtlMs: number }): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.run("canvasRevokeUnsent", [ids, options.resultTtlMs, options.reason]);
    return rows.map((r: { id: string }) => r.id);
  }
}
