/** Picks the transport for a config. Only PostgreSQL exists so far. */
import type { Config } from "../core/config.ts";
import type { Transport } from "../core/transport.ts";
import { PostgresTransport } from "./postgres/transport.ts";

export function createTransport(config: Config): Transport {
  return PostgresTransport.fromConfig(config);
}
