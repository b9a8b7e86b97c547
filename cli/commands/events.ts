/**
 * `tq events`: tails task and worker events as they are stored, one line
 * each or `--json`, until SIGINT/SIGTERM. Workers send them with -E, and
 * producers with the app option `events` (TQ_EVENTS=true).
 */
import type { StoredEvent } from "../../mod.ts";
import { onSignal } from "../../core/runtime.ts";
import { EXIT, UsageError } from "../errors.ts";
import { readOnlyApp } from "../load_app.ts";
import { out } from "../output.ts";
import { type Colour, paint } from "../table.ts";

export interface EventsFlags {
  app?: string;
  json?: boolean;
  task?: string;
  /** Also print the events of the last hour before tailing. */
  history?: boolean;
}

/** Polling fallback when no notification arrives. */
const POLL_MS = 500;
/**
 * Ids are taken at insert but seen at commit, so an event may appear after
 * one with a higher id: each read goes back over the ids of the last few
 * seconds, skipping those already printed.
 */
const SETTLE_MS = 5_000;

export async function eventsCommand(flags: EventsFlags): Promise<number> {
  if (flags.task !== undefined && !/^[0-9a-fA-F-]{36}$/.test(String(flags.task))) throw new UsageError(`--task takes a task id (a UUID), got "${flags.task}".`);
  // Read-only: against a database without tq it says so (NotInstalled) and creates nothing.
  const app = await readOnlyApp(flags);
  const transport = app.transport;
  /** Every id at or below it has been printed or will never appear. */
  const startCursor = await transport.eventCursor();
  let settled = flags.history ? 0 : startCursor;
  /** Ids printed above `settled`, with when they were seen. */
  const recent = new Map<number, number>();
  let stopped = false;
  let wake: (() => void) | undefined;
  const stop = () => {
    stopped = true;
    wake?.();
  };
  onSignal("SIGINT", stop);
  onSignal("SIGTERM", stop);
  const unsubscribe = await transport.subscribeEvents(() => wake?.()).catch(() => undefined);
  try {
    let from = settled;
    while (!stopped) {
      const events = await transport.eventList(from, 1_000, flags.task ? String(flags.task) : undefined);
      const now = Date.now();
      for (const event of events) {
        if (recent.has(event.id)) continue;
        recent.set(event.id, now);
        out(flags.json ? JSON.stringify(event) : formatEvent(event));
      }
      if (events.length === 1_000) {
        from = events[events.length - 1].id; // a full page: read on before looking back
        continue;
      }
      // Ids seen long enough ago can no longer have an unseen one below them.
      // The history read once is settled too.
      settled = Math.max(settled, startCursor);
      for (const [id, seenAt] of recent) if (now - seenAt >= SETTLE_MS) settled = Math.max(settled, id);
      for (const id of recent.keys()) if (id <= settled) recent.delete(id);
      from = settled;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, POLL_MS);
        wake = () => (clearTimeout(timer), resolve());
      });
    }
  } finally {
    await unsubscribe?.();
    await app.close();
  }
  return EXIT.ok;
}

const COLOURS: Record<string, Colour> = { "task-succeeded": "green", "task-failed": "red", "task-revoked": "red", "task-retried": "yellow" };

function formatEvent(event: StoredEvent): string {
  const parts = [event.at, paint(event.type.padEnd(16), COLOURS[event.type]), `clock=${event.clock}`];
  if (event.task) parts.push(`${event.task}${event.taskId ? `[${event.taskId}]` : ""}`);
  else if (event.taskId) parts.push(event.taskId);
  if (event.worker) parts.push(`worker=${event.worker}`);
  for (const [key, value] of Object.entries(event.data ?? {})) parts.push(`${key}=${typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value)}`);
  return parts.join(" ");
}
