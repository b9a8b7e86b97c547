/**
 * Statement deadlines: a link that drops packets without a reset leaves a
 * statement waiting for a reply that never comes (TCP takes many minutes to
 * give up on it). Each statement the transport runs gets a timer; when it
 * runs out, a probe on a fresh connection asks the server what became of
 * that statement's backend:
 *
 * - still running it (a slow statement, a lock wait): wait again;
 * - idle, gone, or blocked writing to us, or the probe gets no answer
 *   either: the link is broken. The client's connections are ended, their
 *   statements fail with a retryable error, and the callers' retries run on
 *   new connections.
 *
 * So a slow statement is never cut short, and a dead link is noticed within
 * one deadline and one probe.
 */
import type { SocketWatch } from "./link.ts";

/** What a probe found about one backend, by pid; null when the probe got no answer. */
export type ProbeResult = Map<number, { state: string | null; waitEvent: string | null }> | null;

/** postgres.js's query: a promise that runs when first awaited, with its connection's backend once sent. */
interface DriverQuery<T> extends PromiseLike<T> {
  state?: { pid?: number | null };
}

/** Whether the statement on backend `pid` is still being worked on, from a probe's answer. */
export function stillRunning(found: ProbeResult, pid: number | null | undefined): boolean {
  if (found === null) return false;
  // The server answered but shows nothing of ours (not yet sent, or a
  // server that does not list sessions): the link works, keep waiting.
  if (!pid || found.size === 0) return true;
  const backend = found.get(pid);
  if (!backend) return false;
  return backend.state === "active" && backend.waitEvent !== "ClientWrite";
}

/**
 * Runs `query`, ending `watch`'s connections when it outlasts `stallMs` and
 * the probe says its link is broken.
 */
export function withDeadline<T>(query: DriverQuery<T>, watch: SocketWatch, stallMs: number, probe: () => Promise<ProbeResult>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const check = async () => {
      const found = await probe();
      if (settled) return;
      // Every connection of the client goes: the others crossed the same
      // broken link, and each one spared would hold the next statement for
      // another deadline.
      if (!stillRunning(found, query.state?.pid)) watch.endSilent(0);
      arm();
    };
    const arm = () => {
      timer = setTimeout(() => void check(), stallMs);
    };
    arm();
    query.then(
      (value) => {
        settled = true;
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        settled = true;
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
