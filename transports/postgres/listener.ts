/**
 * LISTEN on a connection of its own, kept alive by tq. When that connection
 * closes (a server restart, a killed backend), every channel is listened to
 * again with a short capped backoff, and each subscriber's `onListen` runs
 * so it can catch up on what it missed. A ping with a deadline finds a
 * listening connection whose link went silent, which would otherwise wait
 * for notifications forever.
 */
import postgres from "postgres";
import type { Unsubscribe } from "../../core/transport.ts";
import type { SocketWatch } from "./link.ts";
import type { Sql } from "./sql_client.ts";

interface Subscriber {
  onPayload: (payload: string) => void;
  onListen: () => void;
}

interface Channel {
  subscribers: Set<Subscriber>;
  /** Settles when the first LISTEN for the channel did. */
  ready: Promise<void>;
}

export interface ListenerOptions {
  /** postgres.js options for the listening client (url, socket, timeouts), without the callbacks. */
  client: { url: string; options: Record<string, unknown> };
  watch: SocketWatch;
  /** How often the connection is pinged while anything is subscribed. */
  pingMs: number;
  /** How long a ping may go unanswered before the connection is ended. */
  stallMs: number;
  /** Wait before the nth attempt to listen again (n from 1). */
  backoffMs: (attempt: number) => number;
}

const quote = (channel: string) => `"${channel.replaceAll('"', '""')}"`;

/** One listening connection shared by every subscription of a transport. */
export class Listener {
  readonly #options: ListenerOptions;
  readonly #channels = new Map<string, Channel>();
  #sql?: Sql;
  #restoring = false;
  #pingTimer?: ReturnType<typeof setInterval>;
  #closed = false;

  constructor(options: ListenerOptions) {
    this.#options = options;
  }

  #client(): Sql {
    if (this.#sql) return this.#sql;
    // deno-lint-ignore no-explicit-any
    const driverOptions: any = {
      ...this.#options.client.options,
      max: 1,
      // The session holds the LISTENs: it is not recycled while in use.
      idle_timeout: 0,
      max_lifetime: 0,
      onnotify: (channel: string, payload: string) => {
        for (const subscriber of this.#channels.get(channel)?.subscribers ?? []) subscriber.onPayload(payload);
      },
      onclose: () => this.#lost(),
    };
    this.#sql = postgres(this.#options.client.url, driverOptions);
    return this.#sql;
  }

  /** Listens on `channel`; resolves once the server listens. */
  async listen(channel: string, onPayload: (payload: string) => void, onListen: () => void): Promise<Unsubscribe> {
    if (this.#closed) throw new Error("The transport is closed.");
    const subscriber = { onPayload, onListen };
    let entry = this.#channels.get(channel);
    if (!entry) {
      const created: Channel = { subscribers: new Set(), ready: this.#client().unsafe(`listen ${quote(channel)}`).then(() => {}) };
      entry = created;
      this.#channels.set(channel, created);
      created.ready.catch(() => {
        if (this.#channels.get(channel) === created && created.subscribers.size === 0) this.#channels.delete(channel);
      });
    }
    entry.subscribers.add(subscriber);
    try {
      await entry.ready;
    } catch (error) {
      this.#remove(channel, subscriber);
      throw error;
    }
    onListen();
    this.#startPing();
    return () => {
      this.#remove(channel, subscriber);
      return Promise.resolve();
    };
  }

  #remove(channel: string, subscriber: Subscriber): void {
    const entry = this.#channels.get(channel);
    if (!entry || !entry.subscribers.delete(subscriber) || entry.subscribers.size > 0) return;
    this.#channels.delete(channel);
    if (this.#channels.size === 0) {
      // Nothing left to listen to: the connection goes, and its LISTENs with it.
      this.#stopPing();
      const sql = this.#sql;
      this.#sql = undefined;
      sql?.end({ timeout: 0 }).catch(() => {});
    } else {
      // Best effort: a notification for a channel nobody listens to is ignored anyway.
      this.#sql?.unsafe(`unlisten ${quote(channel)}`).catch(() => {});
    }
  }

  /** The listening connection closed: listen again, with backoff, until it works or nothing is subscribed. */
  #lost(): void {
    if (this.#closed || this.#restoring || this.#channels.size === 0) return;
    this.#restoring = true;
    void this.#restore();
  }

  async #restore(): Promise<void> {
    let attempt = 0;
    try {
      while (!this.#closed && this.#channels.size > 0) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, this.#options.backoffMs(attempt)));
        attempt++;
        const channels = [...this.#channels.keys()];
        if (channels.length === 0 || this.#closed) return;
        try {
          await this.#client().unsafe(channels.map((c) => `listen ${quote(c)}`).join("; "));
        } catch {
          continue;
        }
        // Notifications sent while the connection was down are lost: subscribers catch up.
        for (const channel of channels) {
          for (const subscriber of this.#channels.get(channel)?.subscribers ?? []) subscriber.onListen();
        }
        return;
      }
    } finally {
      this.#restoring = false;
    }
  }

  #startPing(): void {
    if (this.#pingTimer || this.#closed) return;
    this.#pingTimer = setInterval(() => this.#ping(), this.#options.pingMs);
  }

  #stopPing(): void {
    clearInterval(this.#pingTimer);
    this.#pingTimer = undefined;
  }

  /** A ping unanswered within the stall deadline ends the connection; its close starts the restore. */
  #ping(): void {
    const sql = this.#sql;
    if (!sql || this.#restoring) return;
    const timer = setTimeout(() => this.#options.watch.endSilent(this.#options.stallMs), this.#options.stallMs);
    sql.unsafe("select 1").then(() => clearTimeout(timer), () => clearTimeout(timer));
  }

  /** Stops listening and closes the connection. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#stopPing();
    this.#channels.clear();
    const sql = this.#sql;
    this.#sql = undefined;
    await sql?.end({ timeout: 0 });
  }
}
