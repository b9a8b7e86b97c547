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
  keepExchangesWhole(server, db);
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

/** Messages that open or continue an extended-protocol exchange, which only Sync ends. */
const EXCHANGE_MESSAGES = new Set(["P", "B", "D", "E", "C", "H"].map((c) => c.charCodeAt(0)));
const SYNC = "S".charCodeAt(0);

interface QueuedMessage {
  handlerId: number;
  message: Uint8Array;
  onData(chunk: Uint8Array): void;
  resolve(bytes: number): void;
  reject(error: unknown): void;
}

/** The parts of pglite-socket's query queue this relies on (0.2.17). */
interface QueryQueue {
  queue: QueuedMessage[];
  processing: boolean;
  lastHandlerId: number | null;
  processQueue(): Promise<void>;
  clearQueueForHandler(handlerId: number): void;
}

/**
 * Replaces pglite-socket's queue loop. Its loop runs the clients' messages
 * one at a time in arrival order and keeps only transactions together, so
 * between one client's Bind and Execute another client's Bind could replace
 * the session's unnamed portal ("portal "" does not exist": 25 of 10,000
 * jobs failed with 4 workers). Here a client's extended-protocol exchange,
 * Parse to Sync, runs with no other client's message in between, as does a
 * transaction; and a failed message no longer leaves the loop stuck.
 */
function keepExchangesWhole(server: PGLiteSocketServer, db: PGlite): void {
  const queue = (server as unknown as { queryQueue: QueryQueue }).queryQueue;
  if (typeof queue?.processQueue !== "function" || !Array.isArray(queue.queue)) {
    throw new Error("The embedded database's socket server is not the version tq was built for (@electric-sql/pglite-socket 0.2.17).");
  }
  /** The client whose exchange is open: it sent Parse..Execute and no Sync yet. */
  let exchangeOwner: number | null = null;
  const clearForHandler = queue.clearQueueForHandler.bind(queue);
  queue.clearQueueForHandler = (handlerId: number) => {
    if (exchangeOwner === handlerId) exchangeOwner = null;
    clearForHandler(handlerId);
  };
  queue.processQueue = async () => {
    if (queue.processing) return;
    queue.processing = true;
    try {
      while (queue.queue.length) {
        const owner = exchangeOwner ?? (db.isInTransaction() ? queue.lastHandlerId : null);
        const index = owner === null ? 0 : queue.queue.findIndex((item) => item.handlerId === owner);
        if (index < 0) break; // the owner's next message has not arrived yet
        const [item] = queue.queue.splice(index, 1);
        let bytes = 0;
        try {
          await db.runExclusive(() =>
            db.execProtocolRawStream(item.message, {
              onRawData: (chunk: Uint8Array) => {
                bytes += chunk.length;
                item.onData(chunk);
              },
            })
          );
        } catch (error) {
          item.reject(error);
          continue;
        }
        queue.lastHandlerId = item.handlerId;
        const type = item.message[0];
        if (type === SYNC) exchangeOwner = null;
        else if (EXCHANGE_MESSAGES.has(type)) exchangeOwner = item.handlerId;
        item.resolve(bytes);
      }
    } finally {
      queue.processing = false;
    }
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
