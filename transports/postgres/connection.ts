/**
 * The transport's connections: the postgres.js pool every statement runs on,
 * the notifier that sends wake-ups after commits, the listener, migration
 * before first use and the translation of driver errors. Every connection
 * goes through a SocketWatch (link.ts), so a dead link is noticed in seconds:
 * a first answer is due within CONNECT_TIMEOUT_MS, each statement has a
 * deadline (deadline.ts), reconnects back off for at most RECONNECT_MAX_S,
 * and closing destroys what the driver could only ask to close.
 */
import postgres from "postgres";
import { checkDatabaseUrl, driverUrl } from "../../core/database_url.ts";
import { DEFAULT_HEARTBEAT_MS, DEFAULT_LEASE_MS } from "../../core/defaults.ts";
import type { Unsubscribe } from "../../core/transport.ts";
import type { QueryName } from "./_sql.ts";
import { renderSql, type RenderedSql } from "./_render.ts";
import { type ProbeResult, probeServer, withDeadline } from "./deadline.ts";
import { describeTarget, translateError } from "./errors.ts";
import { SocketWatch } from "./link.ts";
import { Listener } from "./listener.ts";
import { keepFetchedTypes } from "./fetched_types.ts";
import { Notifier } from "./notifier.ts";
import { runMigrations } from "./migrate.ts";
import type { Sql } from "./sql_client.ts";

/** What a PostgreSQL transport connects to and how. */
export interface PostgresTransportOptions {
  url: string;
  schema: string;
  poolSize: number;
  migrate: boolean;
  appName: string;
  /** The workers' heartbeat: a dead link is noticed within about three of them. */
  heartbeatMs?: number;
  /** A worker whose heartbeat is younger than this counts as alive when a breaking migration asks (the lease). */
  workerAliveMs?: number;
}

/**
 * A server must send its first byte this soon after a connection opens. A
 * local or cloud server answers a startup in milliseconds, TLS across an
 * ocean in well under a second; a server that accepts connections and never
 * answers is reported after this long, naming host and port.
 */
export const CONNECT_TIMEOUT_MS = 5_000;

/**
 * A statement unanswered for this many heartbeats has its link probed
 * (deadline.ts); with the probe's own deadline of one heartbeat, a silent
 * link is ended within 2.5 heartbeats, before a 6-heartbeat lease runs out.
 */
const STALL_HEARTBEATS = 1.5;

/** Floor of the deadlines, so very short heartbeats do not probe healthy statements. */
const MIN_DEADLINE_MS = 1_000;

/**
 * Longest wait before a closed connection reconnects. The driver's own
 * backoff grows to 20 s while connections keep failing: measured, a 5 s
 * restart left workers idle for 18-36 s after the server was back. (With
 * closes reported clean by link.ts the driver's failure count stays at 0, so
 * the first step applies; the callers' retries, at most a second apart,
 * pace the attempts.) A refused connect costs the server nothing.
 */
const RECONNECT_MAX_S = 0.5;

/** Statements in flight at close get this long before their connections are destroyed. */
const CLOSE_GRACE_MS = 300;

/** Wait before reconnecting after `failures` failed attempts, in seconds as the driver wants it: 25 ms doubling to the cap, with jitter. */
function reconnectBackoff(failures: number): number {
  return Math.min(RECONNECT_MAX_S, 0.025 * 2 ** failures) * (0.5 + Math.random() / 2);
}

/** The shared connection state the transport's query modules run on. */
export class PgConnection {
  readonly options: PostgresTransportOptions;
  readonly sql: Sql;
  readonly rendered: RenderedSql;
  readonly #target: string;
  readonly #stallMs: number;
  readonly #keepAliveMs: number;
  readonly #watch: SocketWatch;
  readonly #listenerWatch: SocketWatch;
  readonly #listener: Listener;
  readonly #notifier: Notifier;
  #ready?: Promise<void>;
  readonly #probe: () => Promise<ProbeResult>;

  constructor(options: PostgresTransportOptions) {
    // Checked here too for a transport built without an App: no driver ever
    // sees a URL it cannot parse, as its error would quote it, password and all.
    checkDatabaseUrl(options.url, "The database URL");
    options = { ...options, url: driverUrl(options.url) };
    this.options = options;
    this.rendered = renderSql(options.schema);
    this.#target = describeTarget(options.url);
    const beat = Math.max(MIN_DEADLINE_MS, options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
    this.#stallMs = Math.round(beat * STALL_HEARTBEATS);
    this.#keepAliveMs = beat;
    const timings = { connectTimeoutMs: CONNECT_TIMEOUT_MS, keepAliveMs: this.#keepAliveMs };
    this.#watch = new SocketWatch(this.#target, timings);
    this.#listenerWatch = new SocketWatch(this.#target, timings);
    this.sql = postgres(options.url, {
      ...this.clientOptions(this.#watch, `tq:${options.appName}`),
      max: options.poolSize,
    });
    this.#listener = new Listener({
      // The pool's application name: tools that end the app's sessions by name end this one too.
      client: { url: options.url, options: { ...this.clientOptions(this.#listenerWatch, `tq:${options.appName}`), fetch_types: false } },
      watch: this.#listenerWatch,
      pingMs: beat,
      stallMs: this.#stallMs,
      backoffMs: (attempt) => reconnectBackoff(attempt) * 2000,
    });
    const notifierWatch = new SocketWatch(this.#target, timings);
    this.#notifier = new Notifier({
      statement: this.rendered.queries.notifyMany,
      watch: notifierWatch,
      open: (types) => postgres(options.url, {
        ...this.clientOptions(notifierWatch, `tq:${options.appName}:notify`, { synchronous_commit: "off" }),
        max: 1,
        fetch_types: !types,
      }),
      pool: this.sql,
      bounded: (query) => withDeadline(query, notifierWatch, this.#stallMs, this.#probe),
    });
    // Its own connection each time, with a deadline of one heartbeat.
    const probeMs = Math.min(beat, CONNECT_TIMEOUT_MS);
    this.#probe = probeServer(probeMs, this.rendered.queries.linkProbe, () => {
      const watch = new SocketWatch(this.#target, { connectTimeoutMs: probeMs, keepAliveMs: this.#keepAliveMs });
      const sql = postgres(options.url, { ...this.clientOptions(watch, `tq:${options.appName}:probe`), max: 1, fetch_types: false });
      return { sql, watch };
    });
  }

  /**
   * postgres.js options for a client of this transport: its sockets opened
   * through `watch`, the connect deadline, keepalive and reconnect backoff.
   */
  clientOptions(watch: SocketWatch, applicationName: string, settings: Record<string, string> = {}): Record<string, unknown> {
    return {
      onnotice: () => {},
      socket: watch.open,
      connect_timeout: CONNECT_TIMEOUT_MS / 1000,
      keep_alive: Math.max(1, Math.round(this.#keepAliveMs / 1000)),
      backoff: reconnectBackoff,
      connection: {
        application_name: applicationName,
        // tq's statements are prepared and their best plan does not depend on
        // the values. A custom plan would fold a bulk insert's JSON parameter
        // into a constant at planning time: measured 1.0 s against 0.6 s for
        // 20,000 messages.
        plan_cache_mode: "force_generic_plan",
        // A generic plan is kept for the life of the connection and made for
        // the table's size when it was made: planned after an ANALYZE of a
        // nearly empty jobs table, a claim read the whole table on every
        // run once a backlog came (15 s a claim with 1,000,000 queued).
        // tq's statements find their rows by index (batches by
        // `id = any(...)`), so a plan that reads a whole table is ruled out
        // unless nothing else can run the statement (docs/performance.md,
        // step 13).
        enable_seqscan: "off",
        // A plan whose only path is a sequential scan then costs more than
        // 10^10, far past jit_above_cost: compiling it took about a second
        // of CPU per run of a sweep over empty tables. tq's statements touch
        // few rows each; compiling them never pays.
        jit: "off",
        ...settings,
      },
    };
  }

  /** Runs `fn`, translating database errors. */
  async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw translateError(error, this.options.url, this.options.schema);
    }
  }

  /**
   * Waits for `work` on the pool (a statement, or a transaction), ending the
   * pool's connections if it outlasts its deadline on a broken link.
   */
  bounded<T>(work: PromiseLike<T>): Promise<T> {
    return withDeadline(work, this.#watch, this.#stallMs, this.#probe);
  }

  /** Migrates once before first use (unless disabled); a failed attempt is retried next time. */
  ensureReady(): Promise<void> {
    if (!this.options.migrate) return Promise.resolve();
    this.#ready ??= this.migrate().then(
      () => {},
      (error) => {
        this.#ready = undefined;
        throw error;
      },
    );
    return this.#ready;
  }

  /** Runs named statement `name` (on `sql`, a caller's transaction, when given). */
  // deno-lint-ignore no-explicit-any
  async run(name: QueryName, params: unknown[], sql: Sql = this.sql): Promise<any> {
    await this.ensureReady();
    const rows = await this.guard(() => {
      const query = sql.unsafe(this.rendered.queries[name], params, { prepare: true });
      // A caller's own transaction is the caller's to time.
      return sql === this.sql ? this.bounded(query) : query;
    });
    keepFetchedTypes(this.sql);
    return rows;
  }

  /**
   * Runs named statement `name` without migrating first: for what may look
   * at a schema that is missing or behind (migration status, the clock,
   * `tq doctor`) and must create nothing.
   */
  // deno-lint-ignore no-explicit-any
  async read(name: QueryName, params: unknown[] = []): Promise<any> {
    return await this.guard(() => this.bounded(this.sql.unsafe(this.rendered.queries[name], params, { prepare: true })));
  }

  /** Applies the migrations that are missing; returns how many ran. */
  async migrate(): Promise<number> {
    const applied = await this.guard(() => this.bounded(runMigrations(this.sql, this.rendered, {
      schema: this.options.schema,
      workerAliveMs: this.options.workerAliveMs ?? DEFAULT_LEASE_MS,
    })));
    // Done: the first statement need not migrate again (and must not on the
    // embedded database when it runs inside a caller's open transaction).
    this.#ready ??= Promise.resolve();
    return applied;
  }

  /** Forgets that the schema was migrated (it was just dropped). */
  forgetReady(): void {
    this.#ready = undefined;
  }

  /**
   * Sends wake-ups on the notifier connection without waiting. They are
   * hints: a failure is ignored, since workers and waiters also poll.
   */
  notify(channel: string, payloads: string[]): void {
    if (payloads.length > 0) this.#notifier.send(channel, payloads);
  }

  /** LISTENs on `channel`; `onListen` runs once listening and again after every reconnect. */
  async listen(channel: string, onPayload: (payload: string) => void, onListen: () => void): Promise<Unsubscribe> {
    await this.ensureReady();
    return await this.guard(() => this.#listener.listen(channel, onPayload, onListen));
  }

  /**
   * Closes the pool, the notifier and the listener: statements in flight get
   * CLOSE_GRACE_MS, then every socket is destroyed, so a closed transport
   * keeps nothing open even when its server went away.
   */
  async close(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ended = Promise.all([this.sql.end({ timeout: CLOSE_GRACE_MS / 1000 }), this.#notifier.close(), this.#listener.close()]).catch(() => {});
    await Promise.race([ended, new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS + 100)))]);
    clearTimeout(timer);
    for (const watch of [this.#watch, this.#listenerWatch]) watch.destroyAll();
    this.#notifier.destroy();
  }
}
