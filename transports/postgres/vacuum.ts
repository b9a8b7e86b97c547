/**
 * tq's own vacuum: when autovacuum is off, or on and not keeping up, a
 * worker's maintenance sweep vacuums the tables of tq's schema that carry
 * many dead rows. A queue's hot table leaves two dead row versions per job
 * (the claim's update and the completion's delete); left there, every claim
 * steps over them and a sustained drain slows to a crawl
 * (docs/performance.md, W9).
 */
import { VACUUM_DEAD_ROWS, VACUUM_SHARE } from "../../core/defaults.ts";
import type { VacuumedTable } from "../../core/transport.ts";
import type { PgConnection } from "./connection.ts";


/** With autovacuum on, a table over the threshold with no vacuum finished this long is one it is not keeping up with. */
const AUTOVACUUM_BEHIND_MS = 120_000;

/** A PostgreSQL identifier, quoted. */
function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export class PgVacuum {
  constructor(private readonly db: PgConnection) {}

  /**
   * Vacuums (and analyzes) each table that needs it, one at a time; returns
   * those vacuumed. SKIP_LOCKED passes over a table that another worker or
   * autovacuum is vacuuming already, so workers never queue up behind each
   * other. TRUNCATE false: giving the table's empty tail back to the file
   * system needs an ACCESS EXCLUSIVE lock, which would stop every claim for
   * a moment, and a queue's table grows back at once. VACUUM cannot run
   * inside a transaction: each is a statement of its own on the pool.
   */
  async vacuumBehind(): Promise<VacuumedTable[]> {
    const due: { name: string; dead: number; live: number }[] = await this.db.run("tableVacuumDue", [
      this.db.options.schema,
      VACUUM_DEAD_ROWS,
      VACUUM_SHARE,
      AUTOVACUUM_BEHIND_MS,
    ]);
    const vacuumed: VacuumedTable[] = [];
    for (const table of due) {
      const target = `${quoteIdentifier(this.db.options.schema)}.${quoteIdentifier(table.name)}`;
      const started = performance.now();
      await this.db.guard(() => this.db.bounded(this.db.sql.unsafe(`vacuum (skip_locked, analyze, truncate false) ${target}`)));
      vacuumed.push({ table: table.name, deadRows: table.dead, ms: Math.round(performance.now() - started) });
    }
    return vacuumed;
  }
}
