/**
 * Schedules at run time (`app.schedules`, `tq beat add|list|remove|enable|
 * disable`): stored in the database, picked up by the leading beat within a
 * second, no restart needed.
 */
import { ConfigError } from "../errors.ts";
import type { ScheduleRecord, Transport } from "../transport.ts";
import { type BeatEntry, definitionFromEntry } from "./entry.ts";
import { scheduleFromSpec } from "./schedule.ts";

/** A stored schedule as shown to people: its timing in words and its next run. */
export interface ScheduleInfo extends ScheduleRecord {
  /** "cron 0 9 * * 1-5 (Europe/Berlin)", "every 30s", "at 2026-12-24T18:00:00.000Z". */
  description: string;
  /**
   * The next tick after now (database clock); null when disabled, broken, or
   * an at() whose time has passed (a leading beat sends or skips it, and it
   * leaves the list).
   */
  nextRunAt: Date | null;
  /** Why the stored timing cannot run, when it cannot. */
  problem?: string;
}

/** Run-time schedules, stored in the database (`app.schedules`): the leading beat picks a change up within a second. */
export class Schedules {
  /** Made by the app: use `app.schedules`. */
  constructor(private readonly transport: () => Promise<Transport>) {}

  /** Adds a run-time schedule; with `replace`, replaces a run-time one of the same name. */
  async add(name: string, entry: BeatEntry, options: { replace?: boolean } = {}): Promise<"added" | "replaced"> {
    const definition = definitionFromEntry(name, entry);
    const outcome = await (await this.transport()).scheduleAdd(definition, options.replace ?? false);
    if (outcome === "code") {
      throw new ConfigError(`Schedule "${name}" is defined in code (app.conf.beatSchedule); change it there, or pick another name.`);
    }
    if (outcome === "exists") throw new ConfigError(`Schedule "${name}" exists already; remove it first or replace it (--replace).`);
    return outcome;
  }

  /**
   * Deletes a run-time schedule; false when there is none. One defined in
   * code is refused: its app's next leading beat would write it back.
   */
  async remove(name: string): Promise<boolean> {
    const outcome = await (await this.transport()).scheduleRemove(name);
    if (outcome === "code") {
      throw new ConfigError(
        `Schedule "${name}" is defined in code (app.conf.beatSchedule): delete it there, or pause it with \`tq beat disable ${name}\`.`,
      );
    }
    return outcome === "removed";
  }

  /** Resumes a paused schedule from now (ticks that fell while paused are not owed). False when there is none. */
  async enable(name: string): Promise<boolean> {
    return await (await this.transport()).scheduleSetEnabled(name, true);
  }

  /** Pauses a schedule; it stays paused across deploys, also when defined in code. False when there is none. */
  async disable(name: string): Promise<boolean> {
    return await (await this.transport()).scheduleSetEnabled(name, false);
  }

  /** Every stored schedule with its last and next run. */
  async list(): Promise<ScheduleInfo[]> {
    const { now, schedules } = await (await this.transport()).scheduleList();
    return schedules.map((record) => {
      try {
        const schedule = scheduleFromSpec(record.kind, record.spec, record.tz);
        const from = record.lastFireAt > now ? record.lastFireAt : now;
        return { ...record, description: schedule.describe(), nextRunAt: record.enabled ? schedule.next(from) : null };
      } catch (error) {
        return { ...record, description: `${record.kind} ${record.spec}`, nextRunAt: null, problem: (error as Error).message };
      }
    });
  }
}
