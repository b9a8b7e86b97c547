/**
 * The TCP sockets under a postgres.js client, opened by tq (its `socket`
 * option) so that tq, not the operating system, decides when a connection
 * is dead:
 *
 * - a connection must hear its first byte from the server within the
 *   connect timeout, or it fails with an error naming host and port: a
 *   server that accepts connections and never answers is noticed at once;
 * - a statement deadline (deadline.ts) can end the connections that went
 *   silent, so a link that drops packets without a reset is noticed in
 *   seconds instead of TCP's minutes;
 * - closing can destroy every socket at once: an app whose server went away
 *   closes in well under a second.
 *
 * TCP keepalive is on as well, for links that go quiet while idle.
 */
import net from "node:net";

/** The part of postgres.js's parsed options a socket needs. */
interface DriverOptions {
  host: string[];
  port: number[];
  path?: string | false;
}

/** A driver error: translateError reads `code`, and the message names host and port, never the password. */
export function linkError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

interface Tracked {
  socket: net.Socket;
  openedAt: number;
  /** When the server was last heard from (or the socket was opened). */
  heardAt: number;
  /** Whether the server ever answered on this socket. */
  heard: boolean;
}

/** Opens, watches and ends the sockets of one postgres.js client. */
export class SocketWatch {
  readonly #sockets = new Set<Tracked>();
  #next = 0;

  constructor(
    /** host:port, for messages. */
    private readonly target: string,
    private readonly timings: { connectTimeoutMs: number; keepAliveMs: number },
  ) {}

  /** The postgres.js `socket` option: a connecting socket, handed over at once (the driver writes its startup message into it). */
  readonly open = (options: DriverOptions): net.Socket => {
    const i = this.#next++ % Math.max(1, options.host.length);
    const socket = options.path ? net.connect(options.path) : net.connect(options.port[i] ?? options.port[0], options.host[i] ?? options.host[0]);
    const tracked: Tracked = { socket, openedAt: Date.now(), heardAt: Date.now(), heard: false };
    this.#sockets.add(tracked);
    socket.setKeepAlive?.(true, this.timings.keepAliveMs);
    const { connectTimeoutMs } = this.timings;
    const deadline = setTimeout(() => {
      socket.destroy(linkError("CONNECT_TIMEOUT", `No answer from PostgreSQL at ${this.target} within ${connectTimeoutMs} ms of connecting.`));
    }, connectTimeoutMs);
    socket.on("data", () => {
      tracked.heardAt = Date.now();
      tracked.heard = true;
      clearTimeout(deadline);
    });
    socket.once("close", () => {
      clearTimeout(deadline);
      this.#sockets.delete(tracked);
    });
    // The driver listens for errors as soon as it has the socket; this one
    // only keeps an error before then from being thrown as unhandled.
    socket.on("error", () => {});
    // postgres.js fails the statements still owed a reply when a socket
    // closes, but only when the close reports no error: it counts on the
    // 'error' event for the rest. A statement handed to the connection
    // between that event and the close (its queue still lists it as open)
    // was then never answered nor failed, and its caller waited for good
    // (seen after a network reset: completions and claims stuck for 50 s).
    // Reporting every close as clean makes the driver fail them all.
    const emit = socket.emit.bind(socket);
    // deno-lint-ignore no-explicit-any
    socket.emit = ((event: string | symbol, ...args: any[]) => (event === "close" ? emit("close", false) : emit(event, ...args))) as typeof socket.emit;
    return socket;
  };

  /**
   * Ends every socket that has heard nothing from the server for `silentMs`,
   * failing its statements with a retryable error. Returns how many.
   */
  endSilent(silentMs: number): number {
    const before = Date.now() - silentMs;
    let ended = 0;
    for (const tracked of [...this.#sockets]) {
      if (tracked.heardAt > before) continue;
      this.#sockets.delete(tracked);
      const ms = Date.now() - tracked.heardAt;
      tracked.socket.destroy(
        tracked.heard
          ? linkError("CONNECTION_STALLED", `PostgreSQL at ${this.target} stopped answering (nothing heard for ${ms} ms); the connection was dropped.`)
          : linkError("CONNECT_TIMEOUT", `No answer from PostgreSQL at ${this.target} within ${Date.now() - tracked.openedAt} ms of connecting.`),
      );
      ended++;
    }
    return ended;
  }

  /** Destroys every socket now (after the driver was asked to end): nothing is left to keep the process alive. */
  destroyAll(): void {
    for (const { socket } of this.#sockets) socket.destroy();
    this.#sockets.clear();
  }
}
