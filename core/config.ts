/**
 * App configuration: the option type, its defaults, validation that names the
 * bad option, and the TQ_* environment mapping.
 */
import * as D from "./defaults.ts";
import { checkDatabaseUrl } from "./database_url.ts";
import { type Duration, parseDuration } from "./duration.ts";
import { ConfigError } from "./errors.ts";
import type { Logger, LogLevel } from "./logger.ts";
import { parseSigningKey, parseVerifyKeys, type SigningKey, type VerifyKey } from "./security/keys.ts";

/** Options accepted by `new App()`, `configFromObject()` and (as TQ_* variables) `configFromEnv()`. */
export interface AppOptions {
  /** Shown in logs and in the workers table. */
  name?: string;
  /** postgres:// URL of the broker and result backend. */
  databaseUrl?: string;
  /** Schema holding tq's tables; two apps on one database use different schemas. */
  schema?: string;
  /** Queue for tasks that name none. */
  defaultQueue?: string;
  /** Run migrations automatically on first use. */
  migrate?: boolean;
  /** Connections in the app's pool. */
  poolSize?: number;
  /** How long results are kept. */
  resultTtl?: Duration;
  /** How long failed jobs are kept, with their message and errors, for `tq retry`. */
  failedTtl?: Duration;
  /** Largest message, in JSON bytes. */
  maxMessageBytes?: number;
  /** Worker: concurrent handlers. */
  concurrency?: number;
  /** Worker: jobs claimed beyond free slots. */
  prefetch?: number;
  /** Worker: most jobs per claim or completion statement. */
  batchSize?: number;
  /** Worker: lease on a claimed job. */
  lease?: Duration;
  /** Worker: how often leases and the worker row are renewed; unset, a sixth of `lease` (at most 5 s). */
  heartbeat?: Duration;
  /** Worker and results: polling fallback when no notification arrives. */
  pollInterval?: Duration;
  /** Worker: time running tasks get to finish after SIGTERM. */
  shutdownGrace?: Duration;
  /** Worker: how often expired leases and results are swept; unset, a sixth of `lease` (at most 5 s). */
  maintenanceInterval?: Duration;
  /**
   * Worker: most jobs running at once across all workers, per queue, e.g.
   * `{ emails: 5 }` (docs/flow_control.md). Tasks have their own
   * `concurrencyLimit` option.
   */
  queueConcurrencyLimits?: Record<string, number>;
  /**
   * Worker: most jobs running at once per group (the send option `group`)
   * across all workers, per queue, e.g. `{ reports: 2 }`
   * (docs/flow_control.md). Tasks have their own `groupConcurrency` option.
   */
  queueGroupConcurrency?: Record<string, number>;
  /** Beat: how often a standby asks for the lead, and the longest the leader waits between looks at the schedules. */
  beatCheckInterval?: Duration;
  /** Beat: how long the lead lasts unless the leader renews it; unset, 5 s or five check intervals if longer. */
  beatLease?: Duration;
  /** Beat: longest wait between attempts while the database fails; unset, 5 s or the check interval if longer. */
  beatMaxBackoff?: Duration;
  /**
   * Send task and worker events (task-sent from producers; received,
   * started, succeeded... from workers; `tq worker -E` turns it on too).
   */
  events?: boolean;
  /**
   * Message signing (docs/security.md): the Ed25519 key (`tqsk1_…`, from
   * `tq keys generate`) this process signs what it sends with. A secret:
   * give it in TQ_SIGNING_KEY rather than in code.
   */
  signingKey?: string;
  /**
   * Message signing: the keys (`tqpk1_…`) a worker accepts signatures of;
   * when set, it runs signed messages only. Several while keys rotate.
   */
  verifyKeys?: string | string[];
  /** Message signing: a signed message older than this (from when it was sent, or due) is refused as a replay. */
  signatureMaxAge?: Duration;
  /** Library log level. */
  logLevel?: LogLevel;
  /** Where the library logs; by default a text logger to stderr at `logLevel` (see createLogger). */
  logger?: Logger;
}

/** Configuration after defaults and validation: durations in milliseconds. */
export interface Config {
  /** Option `name`: shown in logs and in the workers table. */
  name: string;
  /** Option `databaseUrl`: the postgres:// URL of the broker and result backend. */
  databaseUrl: string;
  /** Option `schema`: the schema holding tq's tables. */
  schema: string;
  /** Option `defaultQueue`: the queue for tasks that name none. */
  defaultQueue: string;
  /** Option `migrate`: whether migrations run automatically on first use. */
  migrate: boolean;
  /** Option `poolSize`: connections in the app's pool. */
  poolSize: number;
  /** Option `resultTtl`: how long results are kept. */
  resultTtlMs: number;
  /** Option `failedTtl`: how long failed jobs are kept for `tq retry`. */
  failedTtlMs: number;
  /** Option `maxMessageBytes`: the largest message, in JSON bytes. */
  maxMessageBytes: number;
  /** Option `concurrency`: a worker's concurrent handlers. */
  concurrency: number;
  /** Option `prefetch`: jobs a worker claims beyond its free slots. */
  prefetch: number;
  /** Option `batchSize`: most jobs per claim or completion statement. */
  batchSize: number;
  /** Option `lease`: the lease on a claimed job. */
  leaseMs: number;
  /** Option `heartbeat`: how often leases and the worker row are renewed. */
  heartbeatMs: number;
  /** Option `pollInterval`: the polling fallback when no notification arrives. */
  pollIntervalMs: number;
  /** Option `shutdownGrace`: the time running tasks get to finish after SIGTERM. */
  shutdownGraceMs: number;
  /** Option `maintenanceInterval`: how often expired leases and results are swept. */
  maintenanceMs: number;
  /** Option `queueConcurrencyLimits`: most jobs running at once across all workers, per queue. */
  queueConcurrencyLimits: Record<string, number>;
  /** Option `queueGroupConcurrency`: most jobs running at once per group across all workers, per queue. */
  queueGroupConcurrency: Record<string, number>;
  /** Option `beatCheckInterval`: how often a standby beat asks for the lead. */
  beatCheckIntervalMs: number;
  /** Option `beatLease`: how long beat's lead lasts unless renewed. */
  beatLeaseMs: number;
  /** Option `beatMaxBackoff`: beat's longest wait between attempts while the database fails. */
  beatMaxBackoffMs: number;
  /** Option `events`: whether task and worker events are sent. */
  events: boolean;
  /** Option `signingKey`, decoded (its private half does not show when logged). */
  signingKey?: SigningKey;
  /** Option `verifyKeys`, decoded; empty when this worker does not verify signatures. */
  verifyKeys: VerifyKey[];
  /** Option `signatureMaxAge`. */
  signatureMaxAgeMs: number;
  /** Option `logLevel`: the library's log level. */
  logLevel: LogLevel;
  /** Option `logger`, when given; otherwise the app logs to stderr at `logLevel`. */
  logger?: Logger;
}

const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"];
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,47}$/;

/** Every known option with the TQ_* variable that sets it. */
export const ENV_VARIABLES: Record<string, keyof AppOptions> = {
  TQ_APP_NAME: "name",
  TQ_DATABASE_URL: "databaseUrl",
  TQ_SCHEMA: "schema",
  TQ_DEFAULT_QUEUE: "defaultQueue",
  TQ_MIGRATE: "migrate",
  TQ_POOL_SIZE: "poolSize",
  TQ_RESULT_TTL: "resultTtl",
  TQ_FAILED_TTL: "failedTtl",
  TQ_MAX_MESSAGE_BYTES: "maxMessageBytes",
  TQ_CONCURRENCY: "concurrency",
  TQ_PREFETCH: "prefetch",
  TQ_BATCH_SIZE: "batchSize",
  TQ_LEASE: "lease",
  TQ_HEARTBEAT: "heartbeat",
  TQ_POLL_INTERVAL: "pollInterval",
  TQ_SHUTDOWN_GRACE: "shutdownGrace",
  TQ_MAINTENANCE_INTERVAL: "maintenanceInterval",
  TQ_BEAT_CHECK_INTERVAL: "beatCheckInterval",
  TQ_BEAT_LEASE: "beatLease",
  TQ_BEAT_MAX_BACKOFF: "beatMaxBackoff",
  TQ_EVENTS: "events",
  TQ_LOG_LEVEL: "logLevel",
  TQ_SIGNING_KEY: "signingKey",
  TQ_VERIFY_KEYS: "verifyKeys",
  TQ_SIGNATURE_MAX_AGE: "signatureMaxAge",
};

const NUMERIC = new Set<keyof AppOptions>(["poolSize", "maxMessageBytes", "concurrency", "prefetch", "batchSize"]);

/** Reads TQ_* variables into options; numbers and booleans are converted, the rest checked by `resolveConfig`. */
export function optionsFromEnv(read: (name: string) => string | undefined): AppOptions {
  const options: Record<string, unknown> = {};
  for (const [variable, key] of Object.entries(ENV_VARIABLES)) {
    const raw = read(variable);
    if (raw === undefined || raw === "") continue;
    if (key === "migrate" || key === "events") {
      if (!/^(true|false|1|0)$/.test(raw)) throw new ConfigError(`${variable} must be "true" or "false", got "${raw}".`);
      options[key] = raw === "true" || raw === "1";
    } else if (NUMERIC.has(key)) {
      options[key] = /^\d+$/.test(raw) ? Number(raw) : raw;
    } else {
      options[key] = raw;
    }
  }
  return options as AppOptions;
}

function positiveInt(options: AppOptions, key: keyof AppOptions, fallback: number, min = 1): number {
  const value = options[key] ?? fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new ConfigError(`Option "${key}" must be an integer of at least ${min}, got ${JSON.stringify(value)}.`);
  }
  return value;
}

function duration(options: AppOptions, key: keyof AppOptions, fallback: number): number {
  const value = options[key];
  if (value === undefined) return fallback;
  const ms = parseDuration(value as Duration);
  if (ms === undefined) {
    throw new ConfigError(`Option "${key}" must be a duration such as 500, "250ms", "30s" or "5m", got ${JSON.stringify(value)}.`);
  }
  return ms;
}

/** Per-queue concurrency limits (option `option`), checked: queue names and whole numbers of at least 1. */
function queueLimits(limits: unknown, option: "queueConcurrencyLimits" | "queueGroupConcurrency"): Record<string, number> {
  if (limits === undefined) return {};
  if (typeof limits !== "object" || limits === null || Array.isArray(limits)) {
    throw new ConfigError(`Option "${option}" must map queue names to limits, e.g. { emails: 5 }, got ${JSON.stringify(limits)}.`);
  }
  for (const [queue, cap] of Object.entries(limits)) {
    if (!D.QUEUE_NAME.test(queue)) throw new ConfigError(`Option "${option}": "${queue}" is not a queue name (1-100 characters of letters, digits and _.:-).`);
    if (!(Number.isInteger(cap) && cap >= 1)) {
      throw new ConfigError(`Option "${option}": the limit of queue "${queue}" must be a whole number of at least 1, got ${JSON.stringify(cap)}.`);
    }
  }
  return { ...limits } as Record<string, number>;
}

/** Applies defaults and validates; throws ConfigError naming the first bad option. */
export function resolveConfig(options: AppOptions): Config {
  const known = new Set<string>(Object.values(ENV_VARIABLES).concat(["logger", "queueConcurrencyLimits", "queueGroupConcurrency"]));
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new ConfigError(`Unknown option "${key}". Known options: ${[...known].join(", ")}.`);
  }
  const schema = options.schema ?? D.DEFAULT_SCHEMA;
  if (typeof schema !== "string" || !IDENTIFIER.test(schema)) {
    throw new ConfigError(`Option "schema" must be a lower-case SQL identifier (letters, digits, _; at most 48), got ${JSON.stringify(schema)}.`);
  }
  const defaultQueue = options.defaultQueue ?? D.DEFAULT_QUEUE;
  if (typeof defaultQueue !== "string" || !D.QUEUE_NAME.test(defaultQueue)) {
    throw new ConfigError(`Option "defaultQueue" must be 1-100 characters of letters, digits and _.:-, got ${JSON.stringify(defaultQueue)}.`);
  }
  const databaseUrl = options.databaseUrl ?? D.DEFAULT_DATABASE_URL;
  // Before any driver sees it: a driver's error would quote it, password and all.
  checkDatabaseUrl(databaseUrl);
  const logLevel = options.logLevel ?? D.DEFAULT_LOG_LEVEL;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`Option "logLevel" must be one of ${LOG_LEVELS.join(", ")}, got ${JSON.stringify(logLevel)}.`);
  }
  const migrate = options.migrate ?? true;
  if (typeof migrate !== "boolean") throw new ConfigError(`Option "migrate" must be true or false, got ${JSON.stringify(migrate)}.`);
  const events = options.events ?? false;
  if (typeof events !== "boolean") throw new ConfigError(`Option "events" must be true or false, got ${JSON.stringify(events)}.`);
  const leaseMs = duration(options, "lease", D.DEFAULT_LEASE_MS);
  if (leaseMs <= 0) throw new ConfigError(`Option "lease" must be a duration longer than 0, got ${JSON.stringify(options.lease)}.`);
  // Unset, the heartbeat and the sweep follow the lease, so TQ_LEASE alone is enough for any lease.
  const fromLease = (parts: number, cap: number) => Math.max(1, Math.min(cap, Math.floor(leaseMs / parts)));
  const beatCheckIntervalMs = duration(options, "beatCheckInterval", D.DEFAULT_BEAT_CHECK_INTERVAL_MS);
  const config: Config = {
    name: options.name ?? "tq",
    databaseUrl,
    schema,
    defaultQueue,
    migrate,
    poolSize: positiveInt(options, "poolSize", D.DEFAULT_POOL_SIZE),
    resultTtlMs: duration(options, "resultTtl", D.DEFAULT_RESULT_TTL_MS),
    failedTtlMs: duration(options, "failedTtl", D.DEFAULT_FAILED_TTL_MS),
    maxMessageBytes: positiveInt(options, "maxMessageBytes", D.DEFAULT_MAX_MESSAGE_BYTES, 1024),
    concurrency: positiveInt(options, "concurrency", D.DEFAULT_CONCURRENCY),
    prefetch: positiveInt(options, "prefetch", D.DEFAULT_PREFETCH, 0),
    batchSize: positiveInt(options, "batchSize", D.DEFAULT_BATCH_SIZE),
    leaseMs,
    heartbeatMs: duration(options, "heartbeat", fromLease(D.HEARTBEATS_PER_LEASE, D.DEFAULT_HEARTBEAT_MS)),
    pollIntervalMs: duration(options, "pollInterval", D.DEFAULT_POLL_INTERVAL_MS),
    shutdownGraceMs: duration(options, "shutdownGrace", D.DEFAULT_SHUTDOWN_GRACE_MS),
    maintenanceMs: duration(options, "maintenanceInterval", fromLease(D.SWEEPS_PER_LEASE, D.DEFAULT_MAINTENANCE_MS)),
    queueConcurrencyLimits: queueLimits(options.queueConcurrencyLimits, "queueConcurrencyLimits"),
    queueGroupConcurrency: queueLimits(options.queueGroupConcurrency, "queueGroupConcurrency"),
    beatCheckIntervalMs,
    beatLeaseMs: duration(options, "beatLease", Math.max(D.DEFAULT_BEAT_LEASE_MS, D.BEAT_LEASE_PER_CHECK * beatCheckIntervalMs)),
    beatMaxBackoffMs: duration(options, "beatMaxBackoff", Math.max(D.DEFAULT_BEAT_MAX_BACKOFF_MS, beatCheckIntervalMs)),
    events,
    signingKey: options.signingKey === undefined ? undefined : parseSigningKey(options.signingKey, `Option "signingKey" (TQ_SIGNING_KEY)`),
    verifyKeys: options.verifyKeys === undefined ? [] : parseVerifyKeys(options.verifyKeys, `Option "verifyKeys" (TQ_VERIFY_KEYS)`),
    signatureMaxAgeMs: duration(options, "signatureMaxAge", D.DEFAULT_SIGNATURE_MAX_AGE_MS),
    logLevel: logLevel as LogLevel,
    logger: options.logger,
  };
  if (config.heartbeatMs * 2 >= config.leaseMs) {
    throw new ConfigError(
      `Option "heartbeat" (${config.heartbeatMs} ms) must be shorter than "lease" (${config.leaseMs} ms) by more than half, ` +
        `or one late heartbeat loses every running job: set heartbeat under ${Math.ceil(config.leaseMs / 2)} ms ` +
        `(a sixth of the lease is usual), raise lease above ${config.heartbeatMs * 2} ms, or leave heartbeat unset and it follows lease.`,
    );
  }
  checkBeatTiming(config.beatCheckIntervalMs, config.beatLeaseMs, config.beatMaxBackoffMs);
  if (config.batchSize > 1000) throw new ConfigError(`Option "batchSize" must be at most 1000, got ${config.batchSize}.`);
  return config;
}

/**
 * Checks beat's timings (also when a Beat overrides the check interval):
 * the lead must outlast several rounds, and the backoff start at the check
 * interval. Throws ConfigError naming both options.
 */
export function checkBeatTiming(checkMs: number, leaseMs: number, maxBackoffMs: number): void {
  if (checkMs < 10) throw new ConfigError(`Option "beatCheckInterval" must be at least 10 ms, got ${checkMs} ms.`);
  if (leaseMs < checkMs * 2) {
    throw new ConfigError(
      `Option "beatLease" (${leaseMs} ms) must be at least twice "beatCheckInterval" (${checkMs} ms), or the leader's lead runs out ` +
        `between its rounds and the lead changes hands: raise beatLease to ${checkMs * 2} ms or more (five check intervals is usual), ` +
        `lower beatCheckInterval, or leave beatLease unset and it follows beatCheckInterval.`,
    );
  }
  if (maxBackoffMs < checkMs) {
    throw new ConfigError(
      `Option "beatMaxBackoff" (${maxBackoffMs} ms) must be at least "beatCheckInterval" (${checkMs} ms), where the backoff starts: ` +
        `raise beatMaxBackoff, or leave it unset.`,
    );
  }
}

export { redactUrl } from "./database_url.ts";
