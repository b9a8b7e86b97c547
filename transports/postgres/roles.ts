/** `tq migrate --roles`: the least-privilege roles of a schema (queries/roles_grant.sql, docs/security.md). */
import { ConfigError } from "../../core/errors.ts";
import type { SchemaRoles } from "../../core/transport.ts";
import type { PgConnection } from "./connection.ts";
import type { Sql } from "./sql_client.ts";

/** PostgreSQL cuts longer identifiers: a cut role name would not be the one tq names. */
const MAX_IDENTIFIER = 63;

/** Creates (or updates the grants of) the schema's three roles; returns their names. */
export async function rolesGrant(db: PgConnection): Promise<SchemaRoles> {
  const schema = db.options.schema;
  const roles = { producer: `${schema}_producer`, worker: `${schema}_worker`, inspector: `${schema}_inspector` };
  const longest = Object.values(roles).reduce((a, b) => (a.length > b.length ? a : b));
  if (new TextEncoder().encode(longest).length > MAX_IDENTIFIER) {
    throw new ConfigError(`The role names of schema "${schema}" would be longer than PostgreSQL's ${MAX_IDENTIFIER} bytes ("${longest}"): use a shorter schema name for roles.`);
  }
  await db.guard(() => db.sql.begin((tx: Sql) => tx.unsafe(db.rendered.queries.rolesGrant)));
  return roles;
}
