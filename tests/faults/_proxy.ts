/**
 * A TCP proxy for fault tests: listens on 127.0.0.1 (a random port) and
 * forwards to the test server, so a test can break the link between its own
 * processes and PostgreSQL without touching the server others share.
 *
 * - `down()` cuts every connection (a reset where the runtime can send one)
 *   and resets new ones until `up()`: the server's host went away, or a
 *   firewall reset the flows; `refuse()` resets new connections and keeps
 *   the open ones (the first step of a restart);
 * - `stall()` keeps every open connection but forwards no byte on it until
 *   `resume()`, like a link that drops packets without a reset (a NAT or
 *   firewall that lost its state); with `{ all: true }` new connections
 *   stall too;
 * - `blackholeUrl` is a second listener that accepts and never answers.
 */
import net from "node:net";

export interface FaultProxy {
  /** The target URL with host and port replaced by the proxy's. */
  readonly url: string;
  /** A URL whose server accepts connections and never answers. */
  readonly blackholeUrl: string;
  /** Connections open through the proxy now. */
  readonly connections: number;
  /** Resets new connections until `up()`; open ones carry on. */
  refuse(): Promise<void>;
  /** Cuts every connection and resets new ones until `up()`. */
  down(): Promise<void>;
  /** Forwards new connections again. */
  up(): Promise<void>;
  /** Stops forwarding bytes on every open connection (and with `all`, on new ones) until `resume()`. */
  stall(options?: { all?: boolean }): void;
  /** Forwards again what the stall held back. */
  resume(): void;
  /** Stops both listeners and closes every connection. */
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  server: net.Socket;
}

/** Ends a socket abruptly: a TCP reset where the runtime can send one, else a plain close. */
function cut(socket: net.Socket): void {
  // deno-lint-ignore no-explicit-any
  const s = socket as any;
  try {
    if (typeof s.resetAndDestroy === "function") s.resetAndDestroy();
    else socket.destroy();
  } catch {
    socket.destroy();
  }
}

function listen(server: net.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Starts a proxy in front of `targetUrl` (a postgres:// URL on 127.0.0.1). */
export async function startProxy(targetUrl: string): Promise<FaultProxy> {
  const target = new URL(targetUrl);
  const targetHost = target.hostname || "127.0.0.1";
  const targetPort = Number(target.port || 5432);
  const pairs = new Set<Pair>();
  let stalled = false;
  let isDown = false;

  const onConnection = (client: net.Socket) => {
    if (isDown) return cut(client);
    const server = net.connect(targetPort, targetHost);
    const pair = { client, server };
    pairs.add(pair);
    const drop = () => {
      if (!pairs.delete(pair)) return;
      client.destroy();
      server.destroy();
    };
    client.on("error", drop);
    server.on("error", drop);
    client.on("close", drop);
    server.on("close", drop);
    client.pipe(server);
    server.pipe(client);
    if (stalled) pause(pair);
  };
  const pause = ({ client, server }: Pair) => {
    client.unpipe(server);
    server.unpipe(client);
    client.pause();
    server.pause();
  };

  const proxy = net.createServer(onConnection);
  const port = await listen(proxy, 0);

  const held = new Set<net.Socket>();
  const blackhole = net.createServer((socket) => {
    held.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => held.delete(socket));
  });
  const blackholePort = await listen(blackhole, 0);

  // New connections are accepted and reset at once rather than refused by a
  // closed port: a listener closed and opened again on the same port was
  // seen to leave connections hanging on Bun, as if the old one still took
  // its share of them. To the client both are connection errors.
  const refuse = () => {
    isDown = true;
    return Promise.resolve();
  };

  const withPort = (p: number) => {
    const url = new URL(targetUrl);
    url.hostname = "127.0.0.1";
    url.port = String(p);
    return url.toString();
  };

  return {
    url: withPort(port),
    blackholeUrl: withPort(blackholePort),
    get connections() {
      return pairs.size;
    },
    refuse,
    async down() {
      await refuse();
      for (const pair of [...pairs]) {
        pairs.delete(pair);
        cut(pair.client);
        pair.server.destroy();
      }
    },
    up() {
      isDown = false;
      return Promise.resolve();
    },
    stall(options = {}) {
      stalled = options.all === true;
      for (const pair of pairs) pause(pair);
    },
    resume() {
      stalled = false;
      for (const { client, server } of pairs) {
        client.pipe(server);
        server.pipe(client);
        client.resume();
        server.resume();
      }
    },
    async close() {
      for (const pair of [...pairs]) {
        pairs.delete(pair);
        pair.client.destroy();
        pair.server.destroy();
      }
      for (const socket of held) socket.destroy();
      await Promise.all([closeServer(proxy), closeServer(blackhole)]);
    },
  };
}
