/**
 * Applies the numbered migrations under a transaction-scoped advisory lock, so
 * processes starting at once migrate one after another and never twice; and
 * decides whether this tq may use the schema at all (docs/upgrading.md):
 * an older tq refuses a schema that a breaking migration it does not know
 * has changed, and a breaking migration waits until no worker of older code
 * is alive. Additive migrations run while older workers keep working.
 */
import { MigrationBlocked, SchemaIncompatible } from "../../core/errors.ts";
import { TQ_VERSION } from "../../core/version.ts";
import type { RenderedSql } from "./_render.ts";
import type { Sql } from "./sql_client.ts";

/** A migration as recorded in the schema's migrations table. */
export interface AppliedMigration {
  version: number;
  /** Null when a tq before migration 0012 applied it (none of those are breaking). */
  breaking: boolean | null;
  /** The tq that applied it; null before migration 0012. */
  tq_version: string | null;
}

/** A worker that is alive and runs code older than a pending breaking migration. */
interface OlderWorker {
  id: string;
  host: string;
  pid: number;
  tq_version: string | null;
  migrations_known: number | null;
}

/** What the migrator needs besides the SQL. */
export interface MigrationContext {
  schema: string;
  /** A worker whose heartbeat is younger than this is alive. */
  workerAliveMs: number;
}

/** Applies what is missing; returns how many migrations ran. */
export async function runMigrations(sql: Sql, rendered: RenderedSql, context: MigrationContext): Promise<number> {
  return await sql.begin(async (tx: Sql) => {
    await tx.unsafe(rendered.queries.migrationLock, [context.schema]);
    await tx.unsafe(rendered.queries.migrationBootstrap);
    const applied: AppliedMigration[] = await tx.unsafe(rendered.queries.migrationVersions);
    const problem = incompatibility(applied, rendered.latestMigration, context.schema);
    if (problem) throw new SchemaIncompatible(problem);
    const done = new Set(applied.map((m) => m.version));
    let count = 0;
    for (const migration of rendered.migrations) {
      if (done.has(migration.version)) continue;
      if (migration.breaking) {
        // Checked just before, so the additive migrations before it (0012
        // among them, which adds the columns read here) are already in place.
        const older: OlderWorker[] = await tx.unsafe(rendered.queries.workerOlderAlive, [context.workerAliveMs, migration.version]);
        if (older.length > 0) throw blocked(migration, older, context.schema);
      }
      await tx.unsafe(migration.sql);
      await tx.unsafe(rendered.queries.migrationRecord, [migration.version, migration.name, TQ_VERSION, migration.breaking]);
      count++;
    }
    return count;
  });
}

/**
 * Why this tq cannot use the schema, or null when it can: a breaking
 * migration newer than any this code knows was applied, so this tq's
 * statements may no longer match the tables. Newer additive migrations are
 * fine: they only added things.
 */
export function incompatibility(applied: AppliedMigration[], known: number, schema: string): string | null {
  const needed = applied.filter((m) => m.breaking && m.version > known).at(-1);
  if (!needed) return null;
  const by = needed.tq_version ?? "a newer tq";
  return (
    `tq ${TQ_VERSION} cannot use schema "${schema}": tq ${by} migrated it to migration ${needed.version}, which changed tq's tables ` +
      `in a way this tq does not know (this tq knows migrations up to ${known}). Nothing was changed. ` +
      `Run tq ${by} or later here, or point this tq at another schema (TQ_SCHEMA).`
  );
}

function blocked(migration: { version: number; name: string }, older: OlderWorker[], schema: string): MigrationBlocked {
  const shown = older.slice(0, 5).map((w) => `${w.id} (${versionOf(w)}, pid ${w.pid} on ${w.host})`);
  if (older.length > shown.length) shown.push(`and ${older.length - shown.length} more`);
  return new MigrationBlocked(
    `tq ${TQ_VERSION} must apply migration ${migration.version} ("${migration.name}") to schema "${schema}", and older workers ` +
      `cannot use the schema after it; ${older.length} of them ${older.length === 1 ? "is" : "are"} alive: ${shown.join(", ")}. ` +
      "Nothing was migrated. Stop them (let the deploy replace them, or `tq control shutdown`), then start this tq again; " +
      "`tq inspect workers` shows each worker's version.",
  );
}

function versionOf(worker: OlderWorker): string {
  return worker.tq_version ? `tq ${worker.tq_version}` : "a tq before 0.2.0";
}
