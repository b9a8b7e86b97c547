/** Fills the placeholders of the generated SQL for one schema. */
import { migrations, queries, type QueryName } from "./_sql.ts";

/** Quoted identifiers and channel names for `schema` (already validated as an identifier). */
function substitutions(schema: string): Record<string, string> {
  return {
    schema: `"${schema}"`,
    jobs_channel: `${schema}_jobs`,
    results_channel: `${schema}_results`,
    control_channel: `${schema}_control`,
    events_channel: `${schema}_events`,
    // The roles of `tq migrate --roles`, named after the schema (docs/security.md).
    producer_role: `"${schema}_producer"`,
    worker_role: `"${schema}_worker"`,
    inspector_role: `"${schema}_inspector"`,
  };
}

function fill(sql: string, values: Record<string, string>): string {
  return sql.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    if (!(key in values)) throw new Error(`Unknown SQL placeholder {{${key}}}.`);
    return values[key];
  });
}

export interface RenderedSql {
  queries: Record<QueryName, string>;
  migrations: { version: number; name: string; breaking: boolean; sql: string }[];
  /** The newest migration this code knows. */
  latestMigration: number;
  jobsChannel: string;
  resultsChannel: string;
  controlChannel: string;
  eventsChannel: string;
}

/** Every statement with the schema's names filled in, done once per transport. */
export function renderSql(schema: string): RenderedSql {
  const values = substitutions(schema);
  const rendered = {} as Record<QueryName, string>;
  for (const [name, sql] of Object.entries(queries)) rendered[name as QueryName] = fill(sql, values);
  return {
    queries: rendered,
    migrations: migrations.map((m) => ({ ...m, sql: fill(m.sql, values) })),
    latestMigration: Math.max(0, ...migrations.map((m) => m.version)),
    jobsChannel: values.jobs_channel,
    resultsChannel: values.results_channel,
    controlChannel: values.control_channel,
    eventsChannel: values.events_channel,
  };
}
