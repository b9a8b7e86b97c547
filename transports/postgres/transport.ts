/**
 * The PostgreSQL transport: the SKIP LOCKED queue and the result backend.
 * Every statement is a named query from `_sql.ts`, prepared once per
 * connection by postgres.js.
 */
import postgres from "postgres";
import type { Config } from "../../core/config.ts";
import type {
  ClaimedJob,
  Completion,
  ControlCommand,
  ControlMessage,
  ControlReply,
  FailedSummary,
  HeartbeatReply,
  InsertOptions,
  JobDetail,
  JobSummary,
  JobToken,
  QueueCount,
  QueueSummary,
  ResultRecord,
  ResultTtls,
  RetryRequest,
  RevokeOutcome,
  ScheduleDefinition,
  ScheduleRecord,
  StoredEvent,
  TaskSettings,
  TaskState,
  TqEvent,
  Transport,
  Unsubscribe,
  WorkerInfo,
  WorkerRecord,
  WorkerStatus,
} from "../../core/transport.ts";
import type { QueryName } from "./_sql.ts";
import { renderSql, type RenderedSql } from "./_render.ts";
import { BeatLock } from "./beat_lock.ts";
import { jobDetailFromRow, jobSummaryFromRow, queueSummaryFromRow, scheduleFromRow, workerFromRow } from "./rows.ts";
import { translateError } from "./errors.ts";
import { runMigrations } from "./migrate.ts";
import type { Sql } from "./sql_client.ts";


// deno-lint-ignore no-explicit-any
type Row = Record<string, any>;

interface ClaimRow {
  id: string;
  attempt: number;
  priority: number;
  run_at: Date;
  seq: number;
  message: unknown;
  expired: boolean;
  revoke: "revoke" | "terminate" | null;
}

/** Ids per results notification: 36 characters each, under the 8,000-byte payload limit. */
const RESULT_NOTIFY_IDS = 200;

export interface PostgresTransportOptions {
  url: string;
  schema: string;
  poolSize: number;
  migrate: boolean;
  appName: string;
}

export class PostgresTransport implements Transport {
  readonly #options: PostgresTransportOptions;
  readonly #sql: Sql;
  /** One connection for wake-ups sent after commits; see queries/notify_many.sql. */
  #notifier?: Sql;
  #insertsInFlight = 0;
  #beatLock?: BeatLock;
  readonly #rendered: RenderedSql;
  #ready?: Promise<void>;

  constructor(options: PostgresTransportOptions) {
    this.#options = options;
    this.#rendered = renderSql(options.schema);
    this.#sql = postgres(options.url, {
      max: options.poolSize,
      onnotice: () => {},
      connect_timeout: 10,
      connection: {
        application_name: `tq:${options.appName}`,
        // tq's statements are prepared and their best plan does not depend on
        // the values. A custom plan would fold a bulk insert's JSON parameter
        // into a constant at planning time: measured 1.0 s against 0.6 s for
        // 20,000 messages.
        plan_cache_mode: "force_generic_plan",
      },
    });
  }

  /** Builds the transport from an app's config. */
  static fromConfig(config: Config): PostgresTransport {
    return new PostgresTransport({
      url: config.databaseUrl,
      schema: config.schema,
      poolSize: config.poolSize,
      migrate: config.migrate,
      appName: config.name,
    });
  }

  /** Runs `fn`, translating database errors. */
  async #guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw translateError(error, this.#options.url, this.#options.schema);
    }
  }

  /** Migrates once before first use (unless disabled); a failed attempt is retried next time. */
  #ensureReady(): Promise<void> {
    if (!this.#options.migrate) return Promise.resolve();
    this.#ready ??= this.migrate().then(
      () => {},
      (error) => {
        this.#ready = undefined;
        throw error;
      },
    );
    return this.#ready;
  }

  // deno-lint-ignore no-explicit-any
  async #run(name: QueryName, params: unknown[], sql: Sql = this.#sql): Promise<any> {
    await this.#ensureReady();
    const rows = await this.#guard(() => sql.unsafe(this.#rendered.queries[name], params, { prepare: true }));
    keepFetchedTypes(this.#sql);
    return rows;
  }

  async migrate(): Promise<number> {
    const applied = await this.#guard(() => runMigrations(this.#sql, this.#rendered, this.#options.schema));
    // Done: the first statement need not migrate again (and must not on the
    // embedded database when it runs inside a caller's open transaction).
    this.#ready ??= Promise.resolve();
    return applied;
  }

  async jobInsertMany(encodedMessages: string[], options: InsertOptions = {}): Promise<string[]> {
    if (encodedMessages.length === 0) return [];
    // The statement notifies by itself in the caller's transaction (only its
    // commit may wake workers) and when it is this app's only insert in
    // flight (one statement is quickest). Under concurrent sends it leaves the
    // wake-up to the notifier, so the inserts' commits do not queue behind
    // the NOTIFY lock (queries/notify_many.sql).
    const notifyInline = options.sql !== undefined || this.#insertsInFlight === 0;
    const params = [
      `[${encodedMessages.join(",")}]`,
      options.delayMs ?? null,
      options.expiresInMs ?? null,
      options.uniqueWindowMs ?? null,
      notifyInline,
    ];
    this.#insertsInFlight++;
    try {
      const rows = await this.#run("jobInsertMany", params, options.sql ?? this.#sql);
      if (!notifyInline) this.#notify(this.#rendered.jobsChannel, rows[0]?.queues ?? []);
      return rows.map((r: Row) => r.id);
    } finally {
      this.#insertsInFlight--;
    }
  }

  /**
   * Sends wake-ups on the notifier connection without waiting. They are
   * hints: a failure is ignored, since workers and waiters also poll.
   */
  #notify(channel: string, payloads: string[]): void {
    if (payloads.length === 0) return;
    this.#notifier ??= postgres(this.#options.url, {
      max: 1,
      onnotice: () => {},
      connect_timeout: 10,
      connection: { application_name: `tq:${this.#options.appName}:notify`, synchronous_commit: "off", plan_cache_mode: "force_generic_plan" },
    });
    const notifier = this.#notifier;
    notifier.unsafe(this.#rendered.queries.notifyMany, [channel, payloads], { prepare: true }).then(() => keepFetchedTypes(notifier), () => {});
  }

  async jobClaim(params: { queues: string[]; limit: number; workerId: string; leaseMs: number; earlyAckTasks?: string[] }): Promise<ClaimedJob[]> {
    const rows = await this.#run("jobClaim", [params.queues, params.limit, params.workerId, params.leaseMs, params.earlyAckTasks ?? []]);
    rows.sort((a: ClaimRow, b: ClaimRow) => b.priority - a.priority || a.run_at.getTime() - b.run_at.getTime() || a.seq - b.seq);
    return rows.map((r: ClaimRow) => ({ id: r.id, attempt: r.attempt, message: r.message, expired: r.expired, revoke: r.revoke }));
  }

  async jobCompleteMany(completions: Completion[], ttls: ResultTtls): Promise<number> {
    if (completions.length === 0) return 0;
    const [row] = await this.#run("jobCompleteMany", [JSON.stringify(completions), ttls.resultTtlMs, ttls.failedTtlMs]);
    const stored: string[] = row.stored ?? [];
    const payloads: string[] = [];
    for (let i = 0; i < stored.length; i += RESULT_NOTIFY_IDS) payloads.push(stored.slice(i, i + RESULT_NOTIFY_IDS).join(","));
    this.#notify(this.#rendered.resultsChannel, payloads);
    return row.completed;
  }

  async jobRetryMany(retries: RetryRequest[]): Promise<void> {
    if (retries.length === 0) return;
    await this.#run("jobRetryMany", [JSON.stringify(retries)]);
  }

  async jobReleaseMany(jobs: JobToken[], workerId: string): Promise<void> {
    if (jobs.length === 0) return;
    await this.#run("jobReleaseMany", [JSON.stringify(jobs), workerId]);
  }

  async jobRescueExpired(ttls: ResultTtls): Promise<{ requeued: number; failed: number; revoked: number }> {
    const [row] = await this.#run("jobRescueExpired", [ttls.resultTtlMs, ttls.failedTtlMs]);
    return { requeued: row.requeued, failed: row.failed, revoked: row.revoked };
  }

  async jobRevoke(ids: string[], options: { terminate: boolean; reason: string; resultTtlMs: number }): Promise<RevokeOutcome[]> {
    if (ids.length === 0) return [];
    const rows = await this.#run("jobRevoke", [ids, options.terminate, options.resultTtlMs, options.reason]);
    return rows.map((r: Row) => ({ id: r.id, outcome: r.outcome, worker: r.worker ?? null }));
  }

  async jobProgress(job: JobToken, meta: unknown): Promise<void> {
    await this.#run("jobProgress", [job.id, job.attempt, JSON.stringify(meta ?? null)]);
  }

  async jobNextReadyIn(queues: string[]): Promise<number | null> {
    const [row] = await this.#run("jobNextRunAt", [queues]);
    return row.wait_ms ?? null;
  }

  jobCountByQueue(): Promise<QueueCount[]> {
    return this.#run("jobCountByQueue", []);
  }

  async workerHeartbeat(worker: WorkerInfo, leaseMs: number, heldJobIds: string[], status: WorkerStatus): Promise<HeartbeatReply> {
    const [row] = await this.#run("workerHeartbeat", [
      worker.id,
      worker.app,
      worker.host,
      worker.pid,
      worker.queues,
      worker.concurrency,
      worker.tasks,
      leaseMs,
      heldJobIds,
      JSON.stringify(status),
    ]);
    return { revoked: row.revoked ?? [], settingsAt: row.settings_at ?? null, commandsPending: row.commands_pending === true };
  }

  async workerRemove(workerId: string): Promise<void> {
    await this.#run("workerRemove", [workerId]);
  }

  async workerList(staleMs: number): Promise<WorkerRecord[]> {
    return (await this.#run("workerList", [staleMs])).map(workerFromRow);
  }


  async resultGetMany(ids: string[]): Promise<ResultRecord[]> {
    const rows = await this.#run("resultGetMany", [ids]);
    return rows.map((r: Row) => ({
      id: r.id,
      state: r.state,
      task: r.task,
      value: r.value,
      error: r.error,
      meta: r.meta,
      attempts: r.attempts ?? 0,
      finishedAt: r.finished_at,
      errors: r.errors ?? [],
    }));
  }

  async resultForget(id: string): Promise<void> {
    await this.#run("resultForget", [id]);
  }

  async resultCleanExpired(): Promise<number> {
    const rows = await this.#run("resultCleanExpired", []);
    await this.#run("uniqueCleanExpired", []);
    return rows.count ?? 0;
  }

  async resultRequeueFailed(params: { ids?: string[]; task?: string; all?: boolean }): Promise<string[]> {
    const rows = await this.#run("resultRequeueFailed", [params.ids ?? [], params.task ?? null, params.all ?? false]);
    return rows.map((r: Row) => r.id);
  }

  async rateTake(params: { task: string; count: number; perMs: number; capacity: number }): Promise<{ granted: number; waitMs: number }> {
    const [row] = await this.#run("rateTake", [params.task, params.count, params.perMs, params.capacity]);
    return { granted: row.granted, waitMs: row.wait_ms };
  }

  async taskSettingPut(
    task: string,
    settings: { rateLimit?: string | null; clusterRateLimit?: string | null; timeLimit?: [number | null, number | null] | "option" },
  ): Promise<void> {
    // undefined keeps a setting (null in SQL), null clears it ('' in SQL).
    const param = (value: string | null | undefined) => (value === undefined ? null : value ?? "");
    const { timeLimit } = settings;
    const limitMode = timeLimit === undefined ? null : timeLimit === "option" ? "option" : "set";
    const [soft, hard] = Array.isArray(timeLimit) ? timeLimit : [null, null];
    await this.#run("taskSettingPut", [task, param(settings.rateLimit), param(settings.clusterRateLimit), limitMode, soft, hard]);
  }

  async taskSettingList(): Promise<TaskSettings[]> {
    const rows = await this.#run("taskSettingList", []);
    return rows.map((r: Row) => ({
      task: r.task,
      rateLimit: r.rate_limit,
      clusterRateLimit: r.cluster_rate_limit,
      timeLimit: r.time_limit_set ? [r.soft_time_limit_ms, r.hard_time_limit_ms] : null,
    }));
  }

  async controlSend(command: string, args: Record<string, unknown>, target: string | null, ttlMs: number): Promise<number> {
    const [row] = await this.#run("controlSend", [command, JSON.stringify(args), target, ttlMs]);
    return row.id;
  }

  async controlFetch(workerId: string): Promise<ControlCommand[]> {
    const rows = await this.#run("controlFetch", [workerId]);
    return rows.map((r: Row) => ({ id: r.id, command: r.command, args: r.args ?? {} }));
  }

  async controlReply(commandId: number, workerId: string, reply: Record<string, unknown>): Promise<void> {
    await this.#run("controlReply", [commandId, workerId, JSON.stringify(reply)]);
  }

  async controlReplies(commandId: number): Promise<ControlReply[]> {
    const rows = await this.#run("controlReplies", [commandId]);
    return rows.map((r: Row) => ({ worker: r.worker, reply: r.reply, at: r.at }));
  }

  async eventInsertMany(events: TqEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.#run("eventInsertMany", [JSON.stringify(events)]);
    this.#notify(this.#rendered.eventsChannel, [""]);
  }

  async eventList(afterId: number, limit: number, taskId?: string): Promise<StoredEvent[]> {
    const rows = await this.#run("eventList", [afterId, limit, taskId ?? null]);
    return rows.map((r: Row) => ({
      id: r.id,
      type: r.type,
      clock: r.clock,
      at: r.at.toISOString(),
      ...(r.task_id ? { taskId: r.task_id } : {}),
      ...(r.task ? { task: r.task } : {}),
      ...(r.worker ? { worker: r.worker } : {}),
      data: r.data ?? {},
    }));
  }

  async eventCursor(): Promise<number> {
    const [row] = await this.#run("eventCursor", []);
    return row.id;
  }

  subscribeEvents(onWake: () => void): Promise<Unsubscribe> {
    return this.#listen(this.#rendered.eventsChannel, () => onWake(), () => onWake());
  }

  async inspectClean(): Promise<void> {
    await this.#run("inspectClean", []);
  }

  async inspectQueues(staleMs: number): Promise<QueueSummary[]> {
    return (await this.#run("inspectQueues", [staleMs])).map(queueSummaryFromRow);
  }


  async inspectJobs(kind: "active" | "scheduled", limit: number, task?: string): Promise<JobSummary[]> {
    return (await this.#run("inspectJobs", [kind, limit, task ?? null])).map(jobSummaryFromRow);
  }


  async inspectFailed(limit: number, task?: string): Promise<FailedSummary[]> {
    const rows = await this.#run("inspectFailed", [task ?? null, limit]);
    return rows.map((r: Row) => ({
      id: r.id,
      task: r.task,
      queue: r.queue,
      attempts: r.attempts,
      finishedAt: r.finished_at,
      errorType: r.error_type,
      errorMessage: r.error_message,
    }));
  }

  async inspectJob(id: string): Promise<JobDetail> {
    const [row] = await this.#run("inspectJob", [id]);
    return jobDetailFromRow(row);
  }


  async inspectChildren(id: string): Promise<{ id: string; task: string; state: TaskState }[]> {
    return await this.#run("inspectChildren", [id]);
  }

  async inspectAhead(queue: string, id: string): Promise<number> {
    const [row] = await this.#run("inspectAhead", [queue, id]);
    return row.ahead;
  }


  async jobPurge(queue: string): Promise<number> {
    const [row] = await this.#run("jobPurge", [queue]);
    return row.purged;
  }

  async jobCountQueued(queue: string): Promise<number> {
    const [row] = await this.#run("jobCountQueued", [queue]);
    return row.queued;
  }

  subscribeJobs(onWake: (queue: string) => void): Promise<Unsubscribe> {
    // On (re)connect notifications may have been missed: wake for every queue.
    return this.#listen(this.#rendered.jobsChannel, onWake, () => onWake("*"));
  }

  subscribeResults(onFinished: (ids: string[]) => void): Promise<Unsubscribe> {
    return this.#listen(this.#rendered.resultsChannel, (payload) => onFinished(payload.split(",")), () => onFinished([]));
  }

  subscribeControl(onMessage: (message: ControlMessage) => void): Promise<Unsubscribe> {
    return this.#listen(this.#rendered.controlChannel, (payload) => {
      try {
        onMessage(JSON.parse(payload));
      } catch {
        // Not ours or malformed: control messages are only ever written by tq's own statements.
      }
    }, () => {});
  }

  async #listen(channel: string, onPayload: (payload: string) => void, onListen: () => void): Promise<Unsubscribe> {
    await this.#ensureReady();
    const meta: { unlisten(): Promise<void> } = await this.#guard(() => this.#sql.listen(channel, onPayload, onListen));
    return async () => {
      try {
        await meta.unlisten();
      } catch {
        // The listening connection is already gone: nothing left to stop.
      }
    };
  }

  async scheduleList(): Promise<{ now: Date; schedules: ScheduleRecord[] }> {
    const rows: Row[] = await this.#run("scheduleList", []);
    return { now: rows[0].db_now, schedules: rows.filter((r) => r.name !== null).map(scheduleFromRow) };
  }

  async scheduleAdd(d: ScheduleDefinition, replace: boolean): Promise<"added" | "replaced" | "exists" | "code"> {
    const params = [d.name, d.task, d.kind, d.spec, d.tz, JSON.stringify(d.args), JSON.stringify(d.kwargs), JSON.stringify(d.options), d.missed, replace];
    const [row] = await this.#run("scheduleAdd", params);
    if (row.written) return row.previous_source ? "replaced" : "added";
    return row.previous_source === "code" ? "code" : "exists";
  }

  async scheduleRemove(name: string): Promise<"removed" | "missing" | "code"> {
    const [row] = await this.#run("scheduleRemove", [name]);
    if (row.deleted) return "removed";
    return row.source === "code" ? "code" : "missing";
  }

  async scheduleSetEnabled(name: string, enabled: boolean): Promise<boolean> {
    const rows = await this.#run("scheduleSetEnabled", [name, enabled]);
    return rows.length > 0;
  }

  async scheduleSyncCode(definitions: ScheduleDefinition[]): Promise<string[]> {
    const rows = await this.#run("scheduleSyncCode", [JSON.stringify(definitions)]);
    return rows.map((r: Row) => r.name);
  }

  async beatFire(schedule: string, fireAt: Date, encodedMessage: string, timing: InsertOptions): Promise<string | null> {
    const jobId = (JSON.parse(encodedMessage) as { id: string }).id;
    await this.#ensureReady();
    return await this.#guard(() =>
      this.#sql.begin(async (tx: Sql) => {
        const recorded = await this.#run("beatTickRecord", [schedule, fireAt, jobId], tx);
        if (recorded.length === 0) return null;
        const params = [`[${encodedMessage}]`, timing.delayMs ?? null, timing.expiresInMs ?? null, timing.uniqueWindowMs ?? null, true];
        const [row] = await this.#run("jobInsertMany", params, tx);
        return row.id as string;
      })
    );
  }

  async beatSkip(schedule: string, upTo: Date): Promise<void> {
    await this.#run("beatSkip", [schedule, upTo]);
  }

  async beatTickClean(): Promise<number> {
    const rows = await this.#run("beatTickClean", []);
    return rows.count ?? 0;
  }

  async beatLeaderTry(): Promise<boolean> {
    await this.#ensureReady();
    this.#beatLock ??= new BeatLock(this.#options.url, this.#options.schema, this.#options.appName, this.#rendered.queries);
    return await this.#guard(() => this.#beatLock!.holdOrTake());
  }

  async beatLeaderRelease(): Promise<void> {
    await this.#beatLock?.release();
    this.#beatLock = undefined;
  }

  async serverVersion(): Promise<string> {
    const [row] = await this.#guard<Row[]>(() => this.#sql.unsafe(this.#rendered.queries.serverVersion, [], { prepare: true }));
    return `PostgreSQL ${row.version}`;
  }

  async uninstall(): Promise<void> {
    await this.#guard(() => this.#sql.unsafe(this.#rendered.queries.schemaDrop));
    this.#ready = undefined;
  }

  async close(): Promise<void> {
    await this.beatLeaderRelease();
    await Promise.all([this.#sql.end({ timeout: 5 }), this.#notifier?.end({ timeout: 5 })]);
  }
}

/**
 * postgres.js asks the server for its array types on every new connection
 * and leaves that query's promise unhandled, so a backend killed during it
 * (a server restart, pg_terminate_backend) became an unhandled rejection that
 * failed the process. The types it learns are kept in the client's shared
 * options, so once a query has succeeded the fetch is switched off for the
 * connections opened after (reconnects).
 */
function keepFetchedTypes(sql: Sql): void {
  if (sql.options?.fetch_types) sql.options.fetch_types = false;
}
