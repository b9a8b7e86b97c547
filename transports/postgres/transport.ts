/**
 * The PostgreSQL transport: the SKIP LOCKED queue and the result backend.
 * Every statement is a named query from `_sql.ts`, prepared once per
 * connection by postgres.js. The statements live by concept in the modules
 * this class delegates to, all sharing one `PgConnection`:
 *
 * - `connection.ts`: the pool, the notifier, migration before first use, LISTEN
 * - `jobs.ts`: insert, claim, complete, retry, release, rescue, heartbeat
 * - `results.ts`: results, rate-limit buckets, task settings
 * - `inspection.ts`: workers, inspect, control commands, events
 * - `schedules.ts`: schedules, beat ticks and leadership
 */
import type { Config } from "../../core/config.ts";
import type { Transport } from "../../core/transport.ts";
import { PgConnection, type PostgresTransportOptions } from "./connection.ts";
import { PgCanvas } from "./canvas.ts";
import { PgDoctor } from "./doctor.ts";
import { rolesGrant } from "./roles.ts";
import { PgInspection } from "./inspection.ts";
import { PgVacuum } from "./vacuum.ts";
import { PgJobs } from "./jobs.ts";
import { PgResults } from "./results.ts";
import { PgSchedules } from "./schedules.ts";

export type { PostgresTransportOptions } from "./connection.ts";

/** How long closing waits for the beat leader to step down. */
const BEAT_RELEASE_MS = 300;

/** Arguments of Transport method `K`. */
type Args<K extends keyof Transport> = Parameters<Transport[K]>;

export class PostgresTransport implements Transport {
  readonly #db: PgConnection;
  readonly #jobs: PgJobs;
  readonly #results: PgResults;
  readonly #inspection: PgInspection;
  readonly #vacuum: PgVacuum;
  readonly #schedules: PgSchedules;
  readonly #canvas: PgCanvas;
  readonly #doctor: PgDoctor;

  constructor(options: PostgresTransportOptions) {
    this.#db = new PgConnection(options);
    this.#jobs = new PgJobs(this.#db);
    this.#results = new PgResults(this.#db);
    this.#inspection = new PgInspection(this.#db);
    this.#vacuum = new PgVacuum(this.#db);
    this.#schedules = new PgSchedules(this.#db);
    this.#canvas = new PgCanvas(this.#db);
    this.#doctor = new PgDoctor(this.#db);
    // A completion that made chords ready fires them after its commit.
    this.#jobs.onChordsReady = (ids) => this.#canvas.chordFire(ids);
  }

  /** Builds the transport from an app's config. */
  static fromConfig(config: Config): PostgresTransport {
    return new PostgresTransport({
      url: config.databaseUrl,
      schema: config.schema,
      poolSize: config.poolSize,
      migrate: config.migrate,
      appName: config.name,
      heartbeatMs: config.heartbeatMs,
      workerAliveMs: config.leaseMs,
    });
  }

  migrate(): Promise<number> {
    return this.#db.migrate();
  }

  // Canvas (canvas.ts)
  canvasInsert(...a: Args<"canvasInsert">) { return this.#canvas.canvasInsert(...a); }
  chordFire(...a: Args<"chordFire">) { return this.#canvas.chordFire(...a); }
  groupMembers(...a: Args<"groupMembers">) { return this.#canvas.groupMembers(...a); }
  canvasRevokeUnsent(...a: Args<"canvasRevokeUnsent">) { return this.#canvas.canvasRevokeUnsent(...a); }

  // Jobs (jobs.ts)
  jobInsertMany(...a: Args<"jobInsertMany">) { return this.#jobs.jobInsertMany(...a); }
  jobClaim(...a: Args<"jobClaim">) { return this.#jobs.jobClaim(...a); }
  jobCompleteMany(...a: Args<"jobCompleteMany">) { return this.#jobs.jobCompleteMany(...a); }
  jobHeldBy(...a: Args<"jobHeldBy">) { return this.#jobs.jobHeldBy(...a); }
  pauseSet(...a: Args<"pauseSet">) { return this.#jobs.pauseSet(...a); }
  pauseList() { return this.#jobs.pauseList(); }
  limitUse(...a: Args<"limitUse">) { return this.#jobs.limitUse(...a); }
  sendGatesOf(...a: Args<"sendGatesOf">) { return this.#jobs.sendGatesOf(...a); }
  jobStartMany(...a: Args<"jobStartMany">) { return this.#jobs.jobStartMany(...a); }
  jobUnstartMany(...a: Args<"jobUnstartMany">) { return this.#jobs.jobUnstartMany(...a); }
  jobRetryMany(...a: Args<"jobRetryMany">) { return this.#jobs.jobRetryMany(...a); }
  jobReleaseMany(...a: Args<"jobReleaseMany">) { return this.#jobs.jobReleaseMany(...a); }
  jobRescueExpired(...a: Args<"jobRescueExpired">) { return this.#jobs.jobRescueExpired(...a); }
  jobRevoke(...a: Args<"jobRevoke">) { return this.#jobs.jobRevoke(...a); }
  jobProgress(...a: Args<"jobProgress">) { return this.#jobs.jobProgress(...a); }
  jobNextReadyIn(...a: Args<"jobNextReadyIn">) { return this.#jobs.jobNextReadyIn(...a); }
  jobCountByQueue() { return this.#jobs.jobCountByQueue(); }
  jobPurge(...a: Args<"jobPurge">) { return this.#jobs.jobPurge(...a); }
  jobCountQueued(...a: Args<"jobCountQueued">) { return this.#jobs.jobCountQueued(...a); }
  subscribeJobs(...a: Args<"subscribeJobs">) { return this.#jobs.subscribeJobs(...a); }
  workerHeartbeat(...a: Args<"workerHeartbeat">) { return this.#jobs.workerHeartbeat(...a); }

  // Results and task settings (results.ts)
  resultGetMany(...a: Args<"resultGetMany">) { return this.#results.resultGetMany(...a); }
  resultForget(...a: Args<"resultForget">) { return this.#results.resultForget(...a); }
  resultCleanExpired() { return this.#results.resultCleanExpired(); }
  resultRequeueFailed(...a: Args<"resultRequeueFailed">) { return this.#results.resultRequeueFailed(...a); }
  signedSeen(...a: Args<"signedSeen">) { return this.#results.signedSeen(...a); }
  subscribeResults(...a: Args<"subscribeResults">) { return this.#results.subscribeResults(...a); }
  rateTake(...a: Args<"rateTake">) { return this.#results.rateTake(...a); }
  taskSettingPut(...a: Args<"taskSettingPut">) { return this.#results.taskSettingPut(...a); }
  taskSettingList() { return this.#results.taskSettingList(); }
  taskRedactionPutMany(...a: Args<"taskRedactionPutMany">) { return this.#jobs.taskRedactionPutMany(...a); }

  // Workers, inspection, control and events (inspection.ts)
  workerRemove(...a: Args<"workerRemove">) { return this.#inspection.workerRemove(...a); }
  workerList(...a: Args<"workerList">) { return this.#inspection.workerList(...a); }
  controlSend(...a: Args<"controlSend">) { return this.#inspection.controlSend(...a); }
  controlFetch(...a: Args<"controlFetch">) { return this.#inspection.controlFetch(...a); }
  controlReply(...a: Args<"controlReply">) { return this.#inspection.controlReply(...a); }
  controlReplies(...a: Args<"controlReplies">) { return this.#inspection.controlReplies(...a); }
  subscribeControl(...a: Args<"subscribeControl">) { return this.#inspection.subscribeControl(...a); }
  eventInsertMany(...a: Args<"eventInsertMany">) { return this.#inspection.eventInsertMany(...a); }
  eventList(...a: Args<"eventList">) { return this.#inspection.eventList(...a); }
  eventCursor() { return this.#inspection.eventCursor(); }
  subscribeEvents(...a: Args<"subscribeEvents">) { return this.#inspection.subscribeEvents(...a); }
  inspectClean() { return this.#inspection.inspectClean(); }
  vacuumBehind() { return this.#vacuum.vacuumBehind(); }
  inspectQueues(...a: Args<"inspectQueues">) { return this.#inspection.inspectQueues(...a); }
  inspectTimeline(...a: Args<"inspectTimeline">) { return this.#inspection.inspectTimeline(...a); }
  inspectJobs(...a: Args<"inspectJobs">) { return this.#inspection.inspectJobs(...a); }
  inspectFailed(...a: Args<"inspectFailed">) { return this.#inspection.inspectFailed(...a); }
  inspectJob(...a: Args<"inspectJob">) { return this.#inspection.inspectJob(...a); }
  inspectChildren(...a: Args<"inspectChildren">) { return this.#inspection.inspectChildren(...a); }
  inspectAhead(...a: Args<"inspectAhead">) { return this.#inspection.inspectAhead(...a); }
  migrationStatus() { return this.#inspection.migrationStatus(); }
  clockNow() { return this.#inspection.clockNow(); }
  rolesGrant() { return rolesGrant(this.#db); }
  doctorFacts(...a: Args<"doctorFacts">) { return this.#doctor.doctorFacts(...a); }
  notifyRoundTrip(...a: Args<"notifyRoundTrip">) { return this.#doctor.notifyRoundTrip(...a); }

  // Schedules and beat (schedules.ts)
  scheduleList() { return this.#schedules.scheduleList(); }
  scheduleAdd(...a: Args<"scheduleAdd">) { return this.#schedules.scheduleAdd(...a); }
  scheduleRemove(...a: Args<"scheduleRemove">) { return this.#schedules.scheduleRemove(...a); }
  scheduleSetEnabled(...a: Args<"scheduleSetEnabled">) { return this.#schedules.scheduleSetEnabled(...a); }
  scheduleSyncCode(...a: Args<"scheduleSyncCode">) { return this.#schedules.scheduleSyncCode(...a); }
  beatFire(...a: Args<"beatFire">) { return this.#schedules.beatFire(...a); }
  beatSkip(...a: Args<"beatSkip">) { return this.#schedules.beatSkip(...a); }
  beatTickClean() { return this.#schedules.beatTickClean(); }
  beatLeaderTry(...a: Args<"beatLeaderTry">) { return this.#schedules.beatLeaderTry(...a); }
  beatLeaderRelease() { return this.#schedules.beatLeaderRelease(); }

  async serverVersion(): Promise<string> {
    // deno-lint-ignore no-explicit-any
    const [row] = await this.#db.guard<any[]>(() => this.#db.bounded(this.#db.sql.unsafe(this.#db.rendered.queries.serverVersion, [], { prepare: true })));
    return `PostgreSQL ${row.version}`;
  }

  async uninstall(): Promise<void> {
    await this.#db.guard(() => this.#db.bounded(this.#db.sql.unsafe(this.#db.rendered.queries.schemaDrop)));
    this.#db.forgetReady();
  }

  /** Closes every connection; bounded, so it returns within a second even when the server went away. */
  async close(): Promise<void> {
    // Stepping down needs the database; out of reach, the beat lease runs out by itself.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const released = this.#schedules.beatLeaderRelease().catch(() => {});
    await Promise.race([released, new Promise((resolve) => (timer = setTimeout(resolve, BEAT_RELEASE_MS)))]);
    clearTimeout(timer);
    await this.#db.close();
  }
}
