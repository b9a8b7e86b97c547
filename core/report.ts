/**
 * What a bug report needs (`tq report`, Celery's `bugreport`): versions,
 * platform, the database server and clock, the schema's migrations, the
 * effective configuration and the registered tasks. Data only; the CLI
 * prints it. A report is most needed when something is broken, so each
 * part that fails says why and the rest is still gathered; nothing here
 * creates or migrates anything, and no password is ever part of it.
 */
import type { App } from "./app.ts";
import { redactUrl, scrub, urlSecrets, urlTarget } from "./database_url.ts";
import { TqError } from "./errors.ts";
import { envAll, platform, runtimeName, runtimeVersion } from "./runtime.ts";

/** An error as the report shows it. */
export interface ReportError {
  code: string;
  type: string;
  message: string;
}

export interface Report {
  tq: { version: string; commit: string };
  runtime: { name: string; version: string };
  platform: { os: string; release: string; arch: string };
  app: {
    /** The module given with -A, as given; null without one. */
    module: string | null;
    name: string | null;
    /** Why the module could not be loaded or the app initialised (the rest describes a bare app then). */
    error: ReportError | null;
    /** Registered task names, sorted; null when no module was given. */
    tasks: string[] | null;
  };
  /** Every option of `app.config` (durations in ms), the database URL without its password; null when the configuration is invalid. */
  config: Record<string, unknown> | null;
  configError: ReportError | null;
  /** Names of the TQ_* variables set; their values show in `config`. */
  environment: string[];
  database: {
    /** The URL with its password replaced by ***. */
    url: string | null;
    /** host:port/database. */
    target: string | null;
    reachable: boolean;
    server: string | null;
    /** The database clock (ISO 8601), which decides countdowns, expiry and leases. */
    now: string | null;
    /** The database clock minus this machine's, in ms (half the round trip is the error bar). */
    clockSkewMs: number | null;
    error: ReportError | null;
  };
  schema: {
    name: string | null;
    installed: boolean | null;
    /** The newest migration applied to the schema (0 when tq is not installed). */
    applied: number | null;
    /** The newest migration this tq knows. */
    latest: number | null;
    /** Why this tq cannot use the schema (a newer tq changed it incompatibly), or null. */
    incompatible?: string | null;
  };
}

export interface ReportInput {
  app: App;
  version: string;
  commit: string;
  /** The module given with -A; its tasks are listed. */
  module?: string;
  /** Why that module could not be loaded: `app` is then a bare app. */
  moduleError?: unknown;
}

/** Gathers the report for `input.app`. Never throws for what it finds broken: that goes into the report. */
export async function gatherReport(input: ReportInput): Promise<Report> {
  const { app } = input;
  const [runtime, version] = runtimeVersion().split(" ");
  const environment = Object.entries(envAll()).filter(([name, value]) => name.startsWith("TQ_") && value !== undefined).map(([name]) => name).sort();
  const report: Report = {
    tq: { version: input.version, commit: input.commit },
    runtime: { name: runtime ?? runtimeName, version: version ?? "" },
    platform: platform(),
    app: { module: input.module ?? null, name: null, error: input.moduleError === undefined ? null : reportError(input.moduleError), tasks: null },
    config: null,
    configError: null,
    environment,
    database: { url: null, target: null, reachable: false, server: null, now: null, clockSkewMs: null, error: null },
    schema: { name: null, installed: null, applied: null, latest: null },
  };
  // The URL as given in the environment may not be the one in effect, and may not even parse: hide its password too.
  const secrets = urlSecrets(envAll().TQ_DATABASE_URL ?? "");
  try {
    const config = app.config;
    secrets.push(...urlSecrets(config.databaseUrl));
    report.config = shownConfig(config);
    report.app.name = config.name;
    report.database.url = redactUrl(config.databaseUrl);
    report.database.target = urlTarget(config.databaseUrl);
    report.schema.name = config.schema;
  } catch (error) {
    report.configError = reportError(error);
    return scrubbed(report, secrets);
  }
  try {
    await app.ready();
  } catch (error) {
    report.app.error = reportError(error);
  }
  // After ready(): tasks an init hook registers (app.autodiscoverTasks) are listed too.
  if (input.module !== undefined && input.moduleError === undefined) report.app.tasks = app.registry.names().sort();
  try {
    await readDatabase(app, report);
  } catch (error) {
    report.database.error = reportError(error);
  }
  return scrubbed(report, secrets);
}

/** Server version, clock and migrations, each read without creating or migrating anything. */
async function readDatabase(app: App, report: Report): Promise<void> {
  const transport = app.transport;
  report.database.server = await transport.serverVersion();
  report.database.reachable = true;
  let now = new Date();
  report.database.clockSkewMs = await clockSkewMs(async () => (now = await app.now()));
  report.database.now = now.toISOString();
  const { applied, latest, incompatible } = await transport.migrationStatus();
  report.schema = { ...report.schema, installed: applied > 0, applied, latest, incompatible };
}

/** The configuration as shown: every option, the URL without its password, keys by id, a logger only named. */
function shownConfig(config: App["config"]): Record<string, unknown> {
  const shown: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (key === "databaseUrl") shown[key] = redactUrl(value as string);
    else if (key === "logger") continue;
    // Keys by id only: the signing key is a secret, and a public key's bytes tell a reader nothing.
    else if (key === "signingKey") shown[key] = value === undefined ? null : `key ${(value as { id: string }).id}`;
    else if (key === "verifyKeys") shown[key] = (value as { id: string }[]).map((k) => `key ${k.id}`);
    else shown[key] = value;
  }
  shown.logger = config.logger ? "custom" : "default";
  return shown;
}

/** An error with the code scripts branch on (docs/cli.md): tq's own, or UNEXPECTED. */
function reportError(error: unknown): ReportError {
  const e = error as Error | undefined;
  return { code: error instanceof TqError ? error.code : "UNEXPECTED", type: e?.name ?? typeof error, message: e?.message ?? String(error) };
}

/** The report with every secret replaced in every text: a module's error, say, might quote the URL. */
function scrubbed<T>(value: T, secrets: string[]): T {
  const longestFirst = [...new Set(secrets)].sort((a, b) => b.length - a.length);
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return scrub(v, longestFirst);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

/**
 * The database clock minus this host's (`localNow`), in ms, rounded: the
 * database's time against the middle of the round trip that read it.
 */
export async function clockSkewMs(readDatabaseClock: () => Promise<Date>, localNow: () => number = Date.now): Promise<number> {
  const sent = localNow();
  const at = (await readDatabaseClock()).getTime();
  return Math.round(at - (sent + localNow()) / 2);
}
