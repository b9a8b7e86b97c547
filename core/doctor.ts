/**
 * `tq doctor`: checks a live installation and says what needs doing. The
 * database is read (never changed) by the transport; every judgement is
 * here, each finding with the action that settles it.
 */
import type { App } from "./app.ts";
import { VACUUM_DEAD_ROWS, VACUUM_SHARE } from "./defaults.ts";
import { clockSkewMs } from "./report.ts";
import type { DoctorFacts, QueueSummary } from "./transport.ts";

/** "ok": nothing to do; "note": worth knowing, nothing to do; "warn" and "fail" need action. */
export type FindingLevel = "ok" | "note" | "warn" | "fail";

/** One check's verdict. */
export interface Finding {
  /** Which check: schema, drift, dead-workers, overdue-leases, no-consumer, unregistered, bloat, autovacuum, clock, notify, connections. */
  check: string;
  /** How much it matters: "ok", "note", "warn" or "fail". */
  level: FindingLevel;
  /** What was found, with figures. */
  message: string;
  /** What to do about it, when something needs doing. */
  action?: string;
}

/** What `diagnose()` found: one finding per check (or several, one per problem). */
export interface DoctorReport {
  /** Every finding, in the order the checks ran. */
  findings: Finding[];
  /** True when a finding is "warn" or "fail": `tq doctor` exits non-zero. */
  needsAction: boolean;
}

/** Options of `diagnose()`, mainly for tests. */
export interface DiagnoseOptions {
  /** This host's clock (ms since the epoch), compared with the database's. */
  localNow?: () => number;
  /** How long to wait for a notification to come back. */
  notifyTimeoutMs?: number;
}

/** A clock this far from the database's is reported. */
const SKEW_MS = 1_000;
/** A notification slower than this is reported. */
const SLOW_NOTIFY_MS = 500;
/** Connections a tq process opens besides its pool: the listener and the notifier. */
const EXTRA_CONNECTIONS = 2;

/**
 * Runs every check against `app`'s database and schema. Give it an app with
 * `migrate: false` (as `tq doctor` does) so that nothing is migrated.
 */
export async function diagnose(app: App, options: DiagnoseOptions = {}): Promise<DoctorReport> {
  const findings: Finding[] = [];
  const transport = app.transport;
  const status = await transport.migrationStatus();
  const schema = app.config.schema;
  if (status.applied === 0) {
    findings.push({ check: "schema", level: "fail", message: `tq is not installed in schema "${schema}".`, action: "Run `tq migrate`, or start a worker." });
    return report(findings);
  }
  if (status.incompatible) {
    findings.push({ check: "schema", level: "fail", message: status.incompatible, action: "Deploy the tq that migrated it (docs/upgrading.md)." });
    return report(findings);
  }
  if (status.applied < status.latest) {
    findings.push({ check: "schema", level: "warn", message: `Schema "${schema}" is at migration ${status.applied}; this tq has ${status.latest}.`, action: "Run `tq migrate` (docs/upgrading.md)." });
  } else {
    findings.push({ check: "schema", level: status.applied > status.latest ? "note" : "ok", message: `Schema "${schema}" is at migration ${status.applied}${status.applied > status.latest ? `, newer than this tq's ${status.latest} (additive: usable)` : ", up to date"}.` });
  }

  const staleMs = app.config.leaseMs;
  const overdueMs = Math.max(60_000, 3 * app.config.maintenanceMs);
  const skewMs = await clockSkewMs(() => transport.clockNow(), options.localNow);
  const facts = await transport.doctorFacts(staleMs, overdueMs);
  const queues = await transport.inspectQueues(staleMs);
  findings.push(...judgeFacts(facts, queues, { overdueMs, poolSize: app.config.poolSize }));
  findings.push(judgeClock(skewMs));
  const notifyTimeoutMs = options.notifyTimeoutMs ?? 2_000;
  findings.push(judgeNotify(await transport.notifyRoundTrip(notifyTimeoutMs), notifyTimeoutMs));
  return report(findings);
}

function report(findings: Finding[]): DoctorReport {
  return { findings, needsAction: findings.some((f) => f.level === "warn" || f.level === "fail") };
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;
const megabytes = (bytes: number) => `${Math.round(bytes / 104_857.6) / 10} MB`;

/** The checks decided by what the database says. */
export function judgeFacts(facts: DoctorFacts, queues: QueueSummary[], limits: { overdueMs: number; poolSize: number }): Finding[] {
  const findings: Finding[] = [];
  const add = (check: string, level: FindingLevel, message: string, action?: string) => findings.push({ check, level, message, ...(action ? { action } : {}) });

  if (facts.missing.length) {
    add("drift", "fail", `Schema objects tq made are missing: ${facts.missing.join(", ")}. They were dropped outside tq.`,
      "Restore them from a backup, or re-create them as their migration does (transports/postgres/migrations); `tq migrate` does not re-create what was dropped.");
  } else add("drift", "ok", "Every table and index tq made is there.");

  for (const w of facts.deadHolders) {
    add("dead-workers", "warn", `Worker ${w.id} (${w.host}, pid ${w.pid}) sent no heartbeat for ${seconds(w.silentMs)} and holds ${w.jobs} running job(s).`,
      "Its jobs run again once their leases run out and a live worker sweeps them; if no worker runs, start one.");
  }
  if (!facts.deadHolders.length) add("dead-workers", "ok", "No stopped worker holds jobs.");

  if (facts.overdue.jobs > 0) {
    add("overdue-leases", "fail", `${facts.overdue.jobs} running job(s) passed their lease more than ${seconds(limits.overdueMs)} ago (the oldest ${seconds(facts.overdue.oldestMs ?? 0)}): no worker is sweeping expired leases.`,
      "Start a worker (any worker sweeps expired leases within its maintenance interval).");
  } else add("overdue-leases", "ok", "No lease is overdue.");

  const orphans = queues.filter((q) => q.queued + q.scheduled > 0 && q.consumers === 0);
  for (const q of orphans) {
    add("no-consumer", "warn", `Queue "${q.queue}" holds ${q.queued + q.scheduled} job(s) and no live worker consumes it.`, `Start a worker with -Q ${q.queue}, or \`tq control add-consumer ${q.queue}\`.`);
  }
  if (!orphans.length) add("no-consumer", "ok", "Every queue with jobs has a live consumer.");

  for (const u of facts.unregistered) {
    add("unregistered", "warn", `${u.jobs} job(s) of task "${u.task}" wait in queue "${u.queue}", and no live worker consuming it has that task.`, "Deploy the code that defines the task to the workers of that queue.");
  }
  if (!facts.unregistered.length) add("unregistered", "ok", "Live workers have every task queued for them.");

  findings.push(...judgeTables(facts));
  findings.push(judgeConnections(facts, limits.poolSize));
  return findings;
}

function judgeTables(facts: DoctorFacts): Finding[] {
  const findings: Finding[] = [];
  for (const t of facts.tables) {
    // Bloat is what tq's own vacuum would clean: the same threshold.
    if (t.dead > VACUUM_DEAD_ROWS + VACUUM_SHARE * t.live) {
      const vacuumed = t.lastVacuum ? `last vacuumed ${t.lastVacuum.toISOString()}` : "never vacuumed";
      findings.push({
        check: "bloat",
        level: "warn",
        message: `Table ${t.name} has ${t.dead} dead rows for ${t.live} live ones (${megabytes(t.tableBytes)}, indexes ${megabytes(t.indexBytes)}; ${vacuumed}).`,
        action: facts.autovacuum
          ? "Autovacuum is behind: run VACUUM on it, and lower autovacuum_vacuum_scale_factor for it. A running tq worker vacuums it when autovacuum lags two minutes."
          : `Run VACUUM on it. With autovacuum off, a running tq worker vacuums it (docs/performance.md); is one running?`,
      });
    }
  }
  if (!findings.length) findings.push({ check: "bloat", level: "ok", message: `Dead rows are within bounds (${facts.tables.map((t) => `${t.name}: ${t.dead}`).join(", ")}).` });
  findings.push(facts.autovacuum
    ? { check: "autovacuum", level: "ok", message: "Autovacuum is on." }
    : { check: "autovacuum", level: "note", message: "Autovacuum is off on this server. tq's workers vacuum tq's own tables; nothing vacuums the rest of the database." });
  return findings;
}

function judgeConnections(facts: DoctorFacts, poolSize: number): Finding {
  const perProcess = poolSize + EXTRA_CONNECTIONS;
  const usable = facts.maxConnections - facts.reservedConnections;
  const free = usable - facts.connections;
  const figures = `${facts.connections} of ${usable} usable connections are open (max_connections ${facts.maxConnections}, ${facts.reservedConnections} reserved); a tq process opens up to ${perProcess} (poolSize ${poolSize} + ${EXTRA_CONNECTIONS}).`;
  if (facts.liveWorkers * perProcess > usable) {
    return { check: "connections", level: "fail", message: `${facts.liveWorkers} live workers may open ${facts.liveWorkers * perProcess} connections: more than the server allows. ${figures}`, action: "Lower poolSize (TQ_POOL_SIZE), run fewer worker processes, or raise max_connections." };
  }
  if (free < perProcess) {
    return { check: "connections", level: "warn", message: `Only ${free} connection(s) left: one more tq process may not connect. ${figures}`, action: "Lower poolSize (TQ_POOL_SIZE), or raise max_connections." };
  }
  return { check: "connections", level: "ok", message: figures };
}

/** This host's clock against the database's (the one that times leases, countdowns and expiry). */
export function judgeClock(skewMs: number): Finding {
  const rounded = Math.round(skewMs);
  if (Math.abs(skewMs) <= SKEW_MS) return { check: "clock", level: "ok", message: `This host's clock is within ${Math.abs(rounded)} ms of the database's.` };
  return {
    check: "clock",
    level: "warn",
    message: `This host's clock is ${Math.abs(rounded)} ms ${rounded < 0 ? "ahead of" : "behind"} the database's.`,
    action: "Synchronise it (NTP). tq times leases, countdowns and expiry by the database clock, but a sender's `eta` and every log line use this one.",
  };
}

function judgeNotify(ms: number | null, timeoutMs: number): Finding {
  if (ms === null) {
    return {
      check: "notify",
      level: "fail",
      message: `A notification sent by this tq was not heard by its LISTEN within ${seconds(timeoutMs)}.`,
      action: "Workers then find new jobs only by polling (pollInterval). Connect tq directly or through a pooler in session mode: transaction pooling drops LISTEN.",
    };
  }
  if (ms > SLOW_NOTIFY_MS) return { check: "notify", level: "warn", message: `A notification took ${ms} ms to come back.`, action: "Look for a loaded server or a slow link: workers wake late for new jobs." };
  return { check: "notify", level: "ok", message: `LISTEN/NOTIFY works: a notification came back in ${ms} ms.` };
}
