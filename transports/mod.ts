/** The storage side of an App: PostgreSQL, or the embedded database `tq dev` serves. */
import type { Backend } from "../core/backend.ts";
import type { AppOptions, Config } from "../core/config.ts";
import type { Transport } from "../core/transport.ts";
import { embeddedTimings, runningServer } from "./embedded/discovery.ts";
import { PostgresTransport } from "./postgres/transport.ts";
import process from "node:process";

export function createTransport(config: Config): Transport {
  return PostgresTransport.fromConfig(config);
}

/**
 * With no database configured, the embedded one that `tq dev` serves for
 * this directory, if it runs; otherwise the default server URL applies.
 */
function withEmbeddedDefault(options: AppOptions): AppOptions {
  if (options.databaseUrl !== undefined) return options;
  const server = runningServer(process.cwd());
  if (!server) return options;
  return { ...options, databaseUrl: server.url, ...embeddedTimings(options) };
}

/** The backend every App of the public API uses. */
export const postgresBackend: Backend = { withDefaults: withEmbeddedDefault, createTransport };
