/**
 * Beat's storage: the schedules table, each tick recorded in the transaction
 * that sends its job (so a tick is sent once, even by two leaders), and the
 * leader row renewed on a connection of its own (beat_lock.ts).
 */
import type { InsertOptions, ScheduleDefinition, ScheduleRecord } from "../../core/transport.ts";
import { BeatLock } from "./beat_lock.ts";
import type { PgConnection } from "./connection.ts";
import { insertParams } from "./jobs.ts";
import { scheduleFromRow } from "./rows.ts";
import type { Sql } from "./sql_client.ts";

// deno-lint-ignore no-explicit-any
type Row = Record<string, any>;

/** The schedule and beat statements of the PostgreSQL transport. */
export class PgSchedules {
  #beatLock?: BeatLock;

  constructor(private readonly db: PgConnection) {}

  async scheduleList(): Promise<{ now: Date; schedules: ScheduleRecord[] }> {
    const rows: Row[] = await this.db.run("scheduleList", []);
    return { now: rows[0].db_now, schedules: rows.filter((r) => r.name !== null).map(scheduleFromRow) };
  }

  async scheduleAdd(d: ScheduleDefinition, replace: boolean): Promise<"added" | "replaced" | "exists" | "code"> {
    const params = [d.name, d.task, d.kind, d.spec, d.tz, JSON.stringify(d.args), JSON.stringify(d.kwargs), JSON.stringify(d.options), d.missed, replace];
    const [row] = await this.db.run("scheduleAdd", params);
    if (row.written) return row.previous_source ? "replaced" : "added";
    return row.previous_source === "code" ? "code" : "exists";
  }

  async scheduleRemove(name: string): Promise<"removed" | "missing" | "code"> {
    const [row] = await this.db.run("scheduleRemove", [name]);
    if (row.deleted) return "removed";
    return row.source === "code" ? "code" : "missing";
  }

  async scheduleSetEnabled(name: string, enabled: boolean): Promise<boolean> {
    const rows = await this.db.run("scheduleSetEnabled", [name, enabled]);
    return rows.length > 0;
  }

  async scheduleSyncCode(definitions: ScheduleDefinition[]): Promise<string[]> {
    const rows = await this.db.run("scheduleSyncCode", [JSON.stringify(definitions)]);
    return rows.map((r: Row) => r.name);
  }

  async beatFire(schedule: string, fireAt: Date, encodedMessage: string, timing: InsertOptions): Promise<string | null> {
    const jobId = (JSON.parse(encodedMessage) as { id: string }).id;
    await this.db.ensureReady();
    return await this.db.guard(() =>
      this.db.bounded(this.db.sql.begin(async (tx: Sql) => {
        const recorded = await this.db.run("beatTickRecord", [schedule, fireAt, jobId], tx);
        if (recorded.length === 0) return null;
        const [row] = await this.db.run("jobInsertMany", insertParams([encodedMessage], timing, true), tx);
        return row.id as string;
      }))
    );
  }

  async beatSkip(schedule: string, upTo: Date): Promise<void> {
    await this.db.run("beatSkip", [schedule, upTo]);
  }

  async beatTickClean(): Promise<number> {
    const rows = await this.db.run("beatTickClean", []);
    return rows.count ?? 0;
  }

  async beatLeaderTry(params: { leaseMs: number }): Promise<boolean> {
    await this.db.ensureReady();
    const { url, appName } = this.db.options;
    this.#beatLock ??= new BeatLock(url, appName, this.db.rendered.queries);
    return await this.db.guard(() => this.#beatLock!.holdOrTake(params.leaseMs));
  }

  async beatLeaderRelease(): Promise<void> {
    await this.#beatLock?.release();
    this.#beatLock = undefined;
  }
}
