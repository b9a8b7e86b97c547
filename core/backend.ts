/**
 * What an App needs from the storage side, passed in by the public entry
 * point (mod.ts) so that core names no transport: how to complete options
 * with what the environment offers (an embedded database serving this
 * directory), and how to build the transport for a resolved config.
 */
import type { AppOptions, Config } from "./config.ts";
import type { Transport } from "./transport.ts";

export interface Backend {
  /** Options completed with defaults found outside the code (never overriding what was given). */
  withDefaults(options: AppOptions): AppOptions;
  /** The transport for a resolved config; called once, on the app's first use of the broker. */
  createTransport(config: Config): Transport;
}
