/**
 * What `tq doctor` reads (core/doctor.ts judges it). Every statement here
 * reads without migrating first, so a doctor run never changes the schema
 * it examines.
 */
import type { DoctorFacts } from "../../core/transport.ts";
import type { PgConnection } from "./connection.ts";

// deno-lint-ignore no-explicit-any
type Row = Record<string, any>;

/**
 * The tables and indexes a schema this tq migrated has, which its
 * statements depend on; one that is missing was dropped by hand (drift).
 */
const EXPECTED_RELATIONS = [
  "jobs", "jobs_pkey", "jobs_claim", "jobs_claim_groups", "jobs_lease",
  "results", "results_pkey", "workers", "uniques", "schedules", "pauses", "limit_holders", "send_gates", "migrations",
];

export class PgDoctor {
  constructor(private readonly db: PgConnection) {}

  async doctorFacts(staleMs: number, overdueMs: number): Promise<DoctorFacts> {
    const [row] = await this.db.read("doctorFacts", [staleMs, overdueMs, this.db.options.schema]);
    const present = new Set<string>(row.relations);
    return {
      deadHolders: row.dead_holders.map((d: Row) => ({ id: d.id, host: d.host, pid: d.pid, silentMs: Math.round(d.silent_ms), jobs: d.jobs })),
      overdue: { jobs: row.overdue.jobs, oldestMs: row.overdue.oldest_ms === null ? null : Math.round(row.overdue.oldest_ms) },
      unregistered: row.unregistered.map((u: Row) => ({ task: u.task, queue: u.queue, jobs: u.jobs })),
      tables: row.tables.map((t: Row) => ({
        name: t.name,
        live: Number(t.live),
        dead: Number(t.dead),
        tableBytes: Number(t.table_bytes),
        indexBytes: Number(t.index_bytes),
        lastVacuum: t.last_vacuum === null ? null : new Date(t.last_vacuum),
      })),
      autovacuum: row.autovacuum,
      maxConnections: row.max_connections,
      reservedConnections: row.reserved_connections,
      connections: row.connections,
      liveWorkers: row.live_workers,
      missing: EXPECTED_RELATIONS.filter((name) => !present.has(name)),
    };
  }

  /** Milliseconds until a notification sent on a channel of its own is heard; null when not within `timeoutMs`. */
  async notifyRoundTrip(timeoutMs: number): Promise<number | null> {
    const channel = `${this.db.options.schema}_doctor`;
    const payload = crypto.randomUUID();
    let heard: (at: number) => void = () => {};
    const arrived = new Promise<number>((resolve) => (heard = resolve));
    let listening: () => void = () => {};
    const ready = new Promise<void>((resolve) => (listening = resolve));
    const unsubscribe = await this.db.listen(channel, (p) => p === payload && heard(performance.now()), () => listening());
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await ready;
      const sent = performance.now();
      await this.db.read("doctorNotify", [channel, payload]);
      const at = await Promise.race([arrived, new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)))]);
      return at === null ? null : Math.max(0, Math.round(at - sent));
    } finally {
      clearTimeout(timer);
      await unsubscribe();
    }
  }
}
