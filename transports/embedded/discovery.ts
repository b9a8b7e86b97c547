/**
 * How processes on this machine find a running embedded database: `tq dev`
 * writes `.tq/server.json` (its URL and pid) in its working directory, and
 * an app with no database configured uses it while that process lives.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import type { AppOptions } from "../../core/config.ts";
import { DEFAULT_LEASE_MS } from "../../core/defaults.ts";
import { parseDuration } from "../../core/duration.ts";

export interface ServerRecord {
  url: string;
  pid: number;
  startedAt: string;
}

function recordPath(dir: string): string {
  return join(dir, ".tq", "server.json");
}

export function writeServer(dir: string, record: ServerRecord): void {
  writeFileSync(recordPath(dir), JSON.stringify(record, null, 2) + "\n");
}

/** Removes the record if it is still this server's. */
export function forgetServer(dir: string, record: ServerRecord): void {
  if (runningServer(dir)?.pid === record.pid) rmSync(recordPath(dir), { force: true });
}

/** The embedded server serving `dir`, if its process is alive. */
export function runningServer(dir: string): ServerRecord | undefined {
  const path = recordPath(dir);
  if (!existsSync(path)) return undefined;
  try {
    const record = JSON.parse(readFileSync(path, "utf8")) as ServerRecord;
    if (typeof record.url !== "string" || !Number.isInteger(record.pid)) return undefined;
    process.kill(record.pid, 0); // throws when no such process
    return record;
  } catch {
    return undefined;
  }
}

/**
 * Timings for the embedded database, which delivers no notifications: poll
 * for jobs and results every 250 ms, and heartbeat every second, since the
 * heartbeat is then how a worker learns of control commands.
 */
export function embeddedTimings(options: AppOptions): Pick<AppOptions, "pollInterval" | "heartbeat"> {
  // Never more than a sixth of a lease given (TQ_LEASE=2s alone must still work here).
  const leaseMs = parseDuration(options.lease ?? DEFAULT_LEASE_MS) ?? DEFAULT_LEASE_MS;
  return { pollInterval: options.pollInterval ?? 250, heartbeat: options.heartbeat ?? Math.min(1_000, Math.floor(leaseMs / 6)) };
}
