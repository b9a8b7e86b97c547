/**
 * Beat: sends tasks on schedules. Any number may run; the one holding the
 * schema's leader row leads, renewing its lease each round, and the others
 * stand by, asking again each check interval. Each tick is recorded under a
 * unique (schedule, fire time) key in the transaction that sends its job, so
 * a tick is sent once even if two leaders ever overlap. Only the database
 * clock decides which ticks are due and how long a lead lasts.
 */
import { Alarm } from "../alarm.ts";
import type { App } from "../app.ts";
import { checkBeatTiming } from "../config.ts";
import type { Logger } from "../logger.ts";
import type { Message } from "../message.ts";
import type { SignatureMark } from "../security/signed_content.ts";
import type { ScheduleRecord } from "../transport.ts";
import { definitionsFromConf } from "./entry.ts";
import { MAX_CATCH_UP, planTicks, type TickPlan } from "./plan.ts";
import { type Schedule, scheduleFromSpec } from "./schedule.ts";
import { type TelemetryEvent, telemetryEmitter, type TelemetryListener } from "../telemetry.ts";
import { type TickMessage, tickMessage } from "./tick_message.ts";

/** Options of `new Beat()`. */
export interface BeatOptions {
  /** Where beat logs; the app's logger by default. */
  logger?: Logger;
  /**
   * How often a standby asks for the lead, and the longest the leader sleeps
   * between looks at the schedules (ms); overrides the app's
   * `beatCheckInterval` and must stay under half its `beatLease`.
   */
  checkIntervalMs?: number;
  /**
   * Write app.conf.beatSchedule to the database on taking the lead, deleting
   * code schedules it lacks (default true). `tq beat` without -A passes false:
   * it only runs what is stored.
   */
  syncCodeSchedules?: boolean;
  /** Receives a `beat-tick` for each tick this beat sends or skips while it leads (core/telemetry.ts). */
  telemetry?: TelemetryListener;
}

/** How often the leader forgets old tick records. */
const TICK_CLEAN_INTERVAL_MS = 10 * 60_000;

/**
 * Sends tasks on their schedules, as `tq beat` and `tq worker -B` do. Any
 * number may run: one leads and sends, the others stand by to take over,
 * and each tick is sent once. Which ticks are due is decided by the
 * database clock.
 */
export class Beat {
  readonly #app: App;
  readonly #logger: Logger;
  readonly #checkMs: number;
  readonly #leaseMs: number;
  readonly #maxBackoffMs: number;
  readonly #syncCode: boolean;
  readonly #telemetry?: (event: TelemetryEvent) => void;
  /** undefined until the first round, so a standby says so once at start. */
  #leader?: boolean;
  /**
   * Until when (performance.now()) the last renewal's lease runs: measured
   * from before the renewal was sent, so it never outlasts the lease the
   * database gave. Past it, a leader whose renewals fail leads no longer:
   * another beat may have taken the row.
   */
  #leadUntil = 0;
  #stopping = false;
  #loop?: Promise<void>;
  readonly #alarm = new Alarm();
  #lastCleanAt = 0;
  /** Parsed schedules by name, reused while their stored timing is unchanged. */
  readonly #parsed = new Map<string, { key: string; schedule: Schedule }>();
  /** Schedule versions (name@updatedAt) that cannot run, so each error is logged once. */
  readonly #broken = new Set<string>();

  /** Connects to nothing until start(); throws ConfigError when `checkIntervalMs` does not fit the app's beat timing. */
  constructor(app: App, options: BeatOptions = {}) {
    this.#app = app;
    this.#logger = options.logger ?? app.logger;
    const config = app.config;
    this.#checkMs = options.checkIntervalMs ?? config.beatCheckIntervalMs;
    this.#leaseMs = config.beatLeaseMs;
    this.#maxBackoffMs = config.beatMaxBackoffMs;
    if (options.checkIntervalMs !== undefined) checkBeatTiming(this.#checkMs, this.#leaseMs, this.#maxBackoffMs);
    this.#syncCode = options.syncCodeSchedules ?? true;
    this.#telemetry = telemetryEmitter(options.telemetry, this.#logger);
  }

  /** True while this process leads: its lease, renewed each round, has not run out. */
  get isLeader(): boolean {
    return this.#leader === true && performance.now() < this.#leadUntil;
  }

  /**
   * Checks the app's code schedules, makes one attempt to lead (so a bad
   * database URL fails here), then runs until stop().
   */
  async start(): Promise<void> {
    definitionsFromConf(this.#app.conf.beatSchedule);
    await this.#app.ready();
    const waitMs = await this.#round();
    if (!this.#stopping) this.#loop = this.#run(waitMs);
  }

  /** Stops sending and hands the lead to a standby at once. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#alarm.wake();
    await this.#loop;
    if (this.#leader) this.#logger.log("info", "beat: stopped leading");
    this.#leader = undefined;
    await this.#app.transport.beatLeaderRelease();
  }

  async #run(firstWaitMs: number): Promise<void> {
    let failures = 0;
    let waitMs = firstWaitMs;
    while (!this.#stopping) {
      await this.#alarm.sleep(waitMs);
      if (this.#stopping) break;
      try {
        waitMs = await this.#round();
        failures = 0;
      } catch (error) {
        failures++;
        if (this.#leader && performance.now() >= this.#leadUntil) {
          this.#leader = false;
          this.#logger.log("warn", "beat: stopped leading: the lead's lease ran out while the database could not be reached");
        }
        waitMs = Math.min(this.#maxBackoffMs, this.#checkMs * 2 ** Math.min(failures - 1, 30));
        this.#logger.log("warn", `beat: ${(error as Error).message ?? error}; trying again in ${Math.round(waitMs / 1000)}s`);
      }
    }
  }

  /** One look: lead or stand by; as leader, send what is due. Returns how long to sleep. */
  async #round(): Promise<number> {
    const transport = this.#app.transport;
    const asked = performance.now();
    const leader = await transport.beatLeaderTry({ leaseMs: this.#leaseMs });
    if (leader) this.#leadUntil = asked + this.#leaseMs;
    if (leader !== this.#leader) {
      // Synced before counting as leader, so a failed sync is tried again next round.
      if (leader && this.#syncCode) await this.#syncCodeSchedules();
      this.#leader = leader;
      this.#logger.log("info", leader ? "beat: leading" : "beat: standing by: another beat leads");
    }
    if (!leader) return this.#checkMs;

    const { now, schedules } = await transport.scheduleList();
    this.#forgetGone(schedules);
    const enabled = schedules.filter((s) => s.enabled);
    await Promise.all(enabled.map((record) => this.#sendDue(record, now)));
    if (now.getTime() - this.#lastCleanAt > TICK_CLEAN_INTERVAL_MS) {
      this.#lastCleanAt = now.getTime();
      await transport.beatTickClean();
    }
    return this.#untilNextTick(enabled, now);
  }

  async #syncCodeSchedules(): Promise<void> {
    const definitions = definitionsFromConf(this.#app.conf.beatSchedule);
    const removed = await this.#app.transport.scheduleSyncCode(definitions);
    if (definitions.length) this.#logger.log("info", `beat: ${definitions.length} schedule(s) from code`, { schedules: definitions.map((d) => d.name) });
    if (removed.length) this.#logger.log("info", "beat: removed schedules no longer in the code", { schedules: removed });
  }

  /** Drops what is kept about schedules no longer stored (removed, or a finished at()). */
  #forgetGone(schedules: ScheduleRecord[]): void {
    if (this.#parsed.size === 0) return;
    const names = new Set(schedules.map((s) => s.name));
    for (const name of this.#parsed.keys()) if (!names.has(name)) this.#parsed.delete(name);
  }

  #schedule(record: ScheduleRecord): Schedule | undefined {
    const key = `${record.kind} ${record.spec} ${record.tz ?? ""}`;
    const cached = this.#parsed.get(record.name);
    if (cached?.key === key) return cached.schedule;
    try {
      const schedule = scheduleFromSpec(record.kind, record.spec, record.tz);
      this.#parsed.set(record.name, { key, schedule });
      return schedule;
    } catch (error) {
      this.#reportBroken(record, error);
      return undefined;
    }
  }

  async #sendDue(record: ScheduleRecord, now: Date): Promise<void> {
    const schedule = this.#schedule(record);
    if (!schedule) return;
    const plan = planTicks({ schedule, lastFireAt: record.lastFireAt, now, policy: record.missed });
    if (plan.missed > 0) this.#logMissed(record, plan);
    const transport = this.#app.transport;
    for (const fireAt of plan.send) {
      const message = await this.#message(record);
      if (!message) return;
      const jobId = await transport.beatFire(record.name, fireAt, message.encoded, message.timing);
      if (jobId) {
        this.#logger.log("info", `beat: sent ${record.task}`, { schedule: record.name, tick: fireAt.toISOString(), id: jobId });
        this.#telemetry?.({ type: "beat-tick", schedule: record.name, sent: true });
      } else this.#logger.log("debug", "beat: tick already sent", { schedule: record.name, tick: fireAt.toISOString() });
    }
    const lastSent = plan.send.at(-1);
    if (plan.latestDue && lastSent?.getTime() !== plan.latestDue.getTime()) {
      await transport.beatSkip(record.name, plan.latestDue);
      this.#telemetry?.({ type: "beat-tick", schedule: record.name, sent: false });
    }
  }

  /** A tick's message; undefined (logged once) when the stored definition cannot make one. */
  async #message(record: ScheduleRecord): Promise<TickMessage | undefined> {
    try {
      const task = this.#app.registry.get(record.task)?.options;
      const defaults = { defaultQueue: this.#app.config.defaultQueue, clock: this.#app.clock.forward() };
      const sign = (messages: Message[], marks: SignatureMark[]) => this.#app.security.signMessages(messages, marks);
      return await tickMessage(record, task, defaults, this.#app.config.maxMessageBytes, sign);
    } catch (error) {
      this.#reportBroken(record, error);
      return undefined;
    }
  }

  #reportBroken(record: ScheduleRecord, error: unknown): void {
    const key = `${record.name}@${record.updatedAt.getTime()}`;
    if (this.#broken.has(key)) return;
    this.#broken.add(key);
    this.#logger.log("error", `beat: schedule "${record.name}" cannot run: ${(error as Error).message ?? error}. Fix it with \`tq beat add ${record.name} ... --replace\` or remove it.`);
  }

  #logMissed(record: ScheduleRecord, plan: TickPlan): void {
    const count = `${plan.missed}${plan.skippedAtLeast ? "+" : ""}`;
    const decision = record.missed === "skip"
      ? "not sent"
      : record.missed === "once"
      ? `one run sent for tick ${plan.send.at(-1)?.toISOString()}`
      : plan.skipped > 0
      ? `the latest ${plan.send.length} sent, ${plan.skipped} older skipped (at most ${MAX_CATCH_UP} are caught up)`
      : "each sent";
    this.#logger.log("warn", `beat: schedule "${record.name}" missed ${count} tick(s); policy ${record.missed}: ${decision}`, {
      schedule: record.name,
      policy: record.missed,
      missed: plan.missed,
      sent: plan.send.length,
      skipped: plan.skipped,
      ...(plan.firstSkipped ? { firstSkipped: plan.firstSkipped.toISOString() } : {}),
      ...(plan.lastSkipped ? { lastSkipped: plan.lastSkipped.toISOString() } : {}),
    });
  }

  /** Until the earliest next tick, by the database clock; at most the check interval. */
  #untilNextTick(schedules: ScheduleRecord[], now: Date): number {
    let wait = this.#checkMs;
    for (const record of schedules) {
      const next = this.#schedule(record)?.next(now);
      if (next) wait = Math.min(wait, next.getTime() - now.getTime());
    }
    return Math.max(5, wait);
  }
}
