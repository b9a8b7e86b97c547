/**
 * The array types postgres.js fetches from the server (its `fetch_types`):
 * fetched once per client, then kept, and lent to the transport's other
 * clients, so no connection fetches them again after the first.
 */
import type { Sql } from "./sql_client.ts";

/**
 * postgres.js asks the server for its array types on every new connection
 * and leaves that query's promise unhandled, so a backend killed during it
 * (a server restart, pg_terminate_backend) became an unhandled rejection that
 * failed the process. The types it learns are kept in the client's shared
 * options, so once a query has succeeded the fetch is switched off for the
 * connections opened after (reconnects).
 */
export function keepFetchedTypes(sql: Sql): void {
  if (sql.options?.fetch_types) sql.options.fetch_types = false;
}

/**
 * A function that gives another client the array types `source` fetched, or
 * undefined while it has fetched none. The parsers and serializers live in
 * the client's options, where the driver's own fetch puts them.
 */
export function adoptTypes(source: Sql): ((target: Sql) => void) | undefined {
  const map: Record<number, number> = source.options?.shared?.typeArrayMap ?? {};
  if (Object.keys(map).length === 0) return undefined;
  return (target: Sql) => {
    for (const [oid, array] of Object.entries(map)) {
      target.options.shared.typeArrayMap[oid] = array;
      target.options.parsers[array] = source.options.parsers[array];
      target.options.serializers[array] = source.options.serializers[array];
    }
  };
}
