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
 * one deadline and one probe. A statement the driver still has not failed a
 * deadline after its connections were ended is failed here.
 */
import { linkError, type SocketWatch } from "./link.ts";
import type { Sql } from "./sql_client.ts";

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

/** A statement waiting for its answer, as the sweeper sees it. */
interface Pending {
  /** When its deadline (re)started. */
  armedAt: number;
  checking: boolean;
  check(): Promise<void>;
}

/**
 * One timer per client for every statement in flight, not one per
 * statement: a timer set and cleared for each statement cost a quarter of
 * the 4-worker drain (W4) on the 2-core test machine. A statement is checked
 * between one and 1.25 deadlines after it was sent.
 */
class Sweeper {
  readonly #pending = new Set<Pending>();
  #timer?: ReturnType<typeof setInterval>;

  constructor(readonly stallMs: number) {}

  has(pending: Pending): boolean {
    return this.#pending.has(pending);
  }

  add(pending: Pending): void {
    this.#pending.add(pending);
    this.#timer ??= setInterval(() => this.#tick(), Math.max(25, this.stallMs / 4));
  }

  delete(pending: Pending): void {
    this.#pending.delete(pending);
    if (this.#pending.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  #tick(): void {
    const now = performance.now();
    for (const pending of this.#pending) {
      if (pending.checking || now - pending.armedAt < this.stallMs) continue;
      pending.checking = true;
      void pending.check();
    }
  }
}

const sweepers = new WeakMap<SocketWatch, Sweeper>();

/**
 * Runs `query`, ending `watch`'s connections when it outlasts `stallMs` and
 * the probe says its link is broken.
 */
export function withDeadline<T>(query: DriverQuery<T>, watch: SocketWatch, stallMs: number, probe: () => Promise<ProbeResult>): Promise<T> {
  let sweeper = sweepers.get(watch);
  if (sweeper?.stallMs !== stallMs) sweepers.set(watch, sweeper = new Sweeper(stallMs));
  const clock = sweeper;
  return new Promise<T>((resolve, reject) => {
    let endedBefore = false;
    const pending: Pending = {
      armedAt: performance.now(),
      checking: false,
      check: async () => {
        const found = await probe();
        if (!clock.has(pending)) return;
        if (stillRunning(found, query.state?.pid)) {
          endedBefore = false;
        } else if (!endedBefore) {
          // Every connection of the client goes: the others crossed the same
          // broken link, and each one spared would hold the next statement for
          // another deadline. The driver then fails the statement.
          watch.endSilent(0);
          endedBefore = true;
        } else {
          // Still waiting a deadline after its connections were ended: the
          // driver lost track of it. Its caller is told, and retries.
          clock.delete(pending);
          reject(linkError("CONNECTION_STALLED", "A statement got no answer and its connection was ended, yet the driver did not fail it."));
          return;
        }
        pending.armedAt = performance.now();
        pending.checking = false;
      },
    };
    clock.add(pending);
    query.then(
      (value) => {
        if (!clock.has(pending)) return;
        clock.delete(pending);
        resolve(value);
      },
      (error) => {
        if (!clock.has(pending)) return;
        clock.delete(pending);
        reject(error);
      },
    );
  });
}

/**
 * A probe: what the server says about this user's sessions (`query`, on a
 * client `open` makes for the purpose and ends after), or null when it does
 * not answer within `deadlineMs`. Statements that time out together share
 * one probe.
 */
export function probeServer(deadlineMs: number, query: string, open: () => { sql: Sql; watch: SocketWatch }): () => Promise<ProbeResult> {
  let probing: Promise<ProbeResult> | undefined;
  const ask = async (): Promise<ProbeResult> => {
    const { sql, watch } = open();
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const rows = await Promise.race([
        sql.unsafe(query, [], { prepare: true }),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("no answer")), deadlineMs))),
      ]);
      return new Map(rows.map((r: { pid: number; state: string | null; wait_event: string | null }) => [r.pid, { state: r.state, waitEvent: r.wait_event }]));
    } catch {
      return null;
    } finally {
      clearTimeout(timer);
      sql.end({ timeout: 0 }).catch(() => {});
      watch.destroyAll();
    }
  };
  return () => {
    probing ??= ask().finally(() => {
      probing = undefined;
    });
    return probing;
  };
}
