/**
 * Serves an embedded database (PGlite) until SIGTERM/SIGINT, and prints its
 * URL on the first line of stdout: `bun scripts/embedded_db.ts [DIR]`. The
 * data lives in DIR/.tq (a fresh temporary directory when none is given).
 * Used to run the test suite with no PostgreSQL server.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { startEmbedded } from "../transports/embedded/server.ts";

const given = process.argv[2];
const dir = given ?? mkdtempSync(join(tmpdir(), "tq-embedded-"));
const server = await startEmbedded({ dir });
console.log(server.url);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await server.stop();
  if (!given) rmSync(dir, { recursive: true, force: true });
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
