/**
 * Applies the numbered migrations under a transaction-scoped advisory lock, so
 * processes starting at once migrate one after another and never twice.
 */
import type { RenderedSql } from "./_render.ts";
import type { Sql } from "./sql_client.ts";

/** Applies what is missing; returns how many migrations ran. */
export async function runMigrations(sql: Sql, rendered: RenderedSql, schema: string): Promise<number> {
  return await sql.begin(async (tx: Sql) => {
    await tx.unsafe(rendered.queries.migrationLock, [schema]);
    await tx.unsafe(rendered.queries.migrationBootstrap);
    const applied = new Set((await tx.unsafe(rendered.queries.migrationVersions)).map((r: { version: number }) => r.version));
    let count = 0;
    for (const migration of rendered.migrations) {
      if (applied.has(migration.version)) continue;
      await tx.unsafe(migration.sql);
      await tx.unsafe(rendered.queries.migrationRecord, [migration.version, migration.name]);
      count++;
    }
    return count;
  });
}
