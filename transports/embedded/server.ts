/**
 * The embedded default: PostgreSQL itself (PGlite, compiled to WASM) with
 * its data under `.tq/` in the working directory, served on a local TCP
 * socket so that every tq process and program on this machine reaches it
 * with postgres.js and the same SQL as a real server. PGlite is one session;
 * the socket server multiplexes clients over it. It does not deliver NOTIFY
 * to listeners, so workers and waiters rely on polling here.
 */
import { PGlite, type PGliteOptions } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { forgetServer, type ServerRecord, writeServer } from "./discovery.ts";

export interface EmbeddedServer {
  /** postgres:// URL of the socket: no password, loopback only. */
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** The project directory whose `.tq/` holds the data and the server record. */
  dir: string;
  /** TCP port on 127.0.0.1; a free one when 0 (the default). */
  port?: number;
}

/** Concurrent client connections the socket accepts (queries run one at a time in PGlite). */
const MAX_CONNECTIONS = 100;

/** Opens (or creates) the database in `<dir>/.tq/data` and serves it on 127.0.0.1. */
export async function startEmbedded(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const dataDir = join(options.dir, ".tq", "data");
  mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create({ dataDir, ...(await assetProvider?.()) });
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: options.port ?? 0, maxConnections: MAX_CONNECTIONS });
  try {
    await server.start();
  } catch (error) {
    await db.close();
    throw error;
  }
  const url = `postgres://postgres@${server.getServerConn()}/postgres`;
  const record: ServerRecord = { url, pid: process.pid, startedAt: new Date().toISOString() };
  writeServer(options.dir, record);
  return {
    url,
    dataDir,
    async stop() {
      forgetServer(options.dir, record);
      await server.stop();
      await db.close();
    },
  };
}

let assetProvider: (() => Promise<Partial<PGliteOptions>>) | undefined;

/**
 * In a compiled binary PGlite cannot read its WASM and data files from
 * node_modules (they are not on disk there): the binary's entry point
 * (cli/binary_main.ts) embeds them and provides them here. From source,
 * PGlite finds its own.
 */
export function provideEmbeddedAssets(provider: () => Promise<Partial<PGliteOptions>>): void {
  assetProvider = provider;
}
