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
  InsertOptions,
  JobToken,
  ResultRecord,
  RetryRequest,
  Transport,
  Unsubscribe,
  QueueCount,
  WorkerInfo,
  WorkerRecord,
} from "../../core/transport.ts";
import type { QueryName } from "./_sql.ts";
import { renderSql, type RenderedSql } from "./_render.ts";
import { translateError } from "./errors.ts";
import { runMigrations } from "./migrate.ts";

/** postgres.js's client type, or a transaction of it. */
// deno-lint-ignore no-explicit-any
export type Sql = any;

/** Largest number of ids in one results notification: 36 characters each, under the 8,000-byte payload limit. */
const RESULT_NOTIFY_CHUNK = 200;

// deno-lint-ignore no-explicit-any
type Row = Record<string, any>;

interface ClaimRow {
  id: string;
  attempt: number;
  priority: number;
  run_at: Date;
  seq: number;
  message: unknown;
}

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
  readonly #rendered: RenderedSql;
  #ready?: Promise<void>;

  constructor(options: PostgresTransportOptions) {
    this.#options = options;
    this.#rendered = renderSql(options.schema);
    this.#sql = postgres(options.url, {
      max: options.poolSize,
      onnotice: () => {},
      connect_timeout: 10,
      connection: { application_name: `tq:${options.appName}` },
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
    return this.#guard(() => sql.unsafe(this.#rendered.queries[name], params, { prepare: true }));
  }

  migrate(): Promise<number> {
    return this.#guard(() => runMigrations(this.#sql, this.#rendered, this.#options.schema));
  }

  async jobInsertMany(encodedMessages: string[], options: InsertOptions = {}): Promise<void> {
    if (encodedMessages.length === 0) return;
    await this.#run("jobInsertMany", [`[${encodedMessages.join(",")}]`], options.sql ?? this.#sql);
  }

  async jobClaim(params: { queues: string[]; limit: number; workerId: string; leaseMs: number }): Promise<ClaimedJob[]> {
    const rows = await this.#run("jobClaim", [params.queues, params.limit, params.workerId, params.leaseMs]);
    rows.sort((a: ClaimRow, b: ClaimRow) => b.priority - a.priority || a.run_at.getTime() - b.run_at.getTime() || a.seq - b.seq);
    return rows.map((r: ClaimRow) => ({ id: r.id, attempt: r.attempt, message: r.message }));
  }

  async jobCompleteMany(completions: Completion[], resultTtlMs: number): Promise<number> {
    let completed = 0;
    for (let i = 0; i < completions.length; i += RESULT_NOTIFY_CHUNK) {
      const chunk = completions.slice(i, i + RESULT_NOTIFY_CHUNK);
      const [row] = await this.#run("jobCompleteMany", [JSON.stringify(chunk), resultTtlMs]);
      completed += row.completed;
    }
    return completed;
  }

  async jobRetryMany(retries: RetryRequest[]): Promise<void> {
    if (retries.length === 0) return;
    await this.#run("jobRetryMany", [JSON.stringify(retries)]);
  }

  async jobReleaseMany(jobs: JobToken[], workerId: string): Promise<void> {
    if (jobs.length === 0) return;
    await this.#run("jobReleaseMany", [JSON.stringify(jobs), workerId]);
  }

  async jobRescueExpired(resultTtlMs: number): Promise<{ requeued: number; failed: number }> {
    const [row] = await this.#run("jobRescueExpired", [resultTtlMs]);
    return { requeued: row.requeued, failed: row.failed };
  }

  async jobNextReadyIn(queues: string[]): Promise<number | null> {
    const [row] = await this.#run("jobNextRunAt", [queues]);
    return row.wait_ms ?? null;
  }

  jobCountByQueue(): Promise<QueueCount[]> {
    return this.#run("jobCountByQueue", []);
  }

  async workerHeartbeat(worker: WorkerInfo, leaseMs: number): Promise<void> {
    await this.#run("workerHeartbeat", [
      worker.id,
      worker.app,
      worker.host,
      worker.pid,
      worker.queues,
      worker.concurrency,
      worker.tasks,
      leaseMs,
    ]);
  }

  async workerRemove(workerId: string): Promise<void> {
    await this.#run("workerRemove", [workerId]);
  }

  async workerList(staleMs: number): Promise<WorkerRecord[]> {
    const rows = await this.#run("workerList", [staleMs]);
    return rows.map((r: Row) => ({
      id: r.id,
      app: r.app,
      host: r.host,
      pid: r.pid,
      queues: r.queues,
      concurrency: r.concurrency,
      tasks: r.tasks,
      startedAt: r.started_at,
      heartbeatAt: r.heartbeat_at,
      alive: r.alive,
    }));
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
    }));
  }

  async resultForget(id: string): Promise<void> {
    await this.#run("resultForget", [id]);
  }

  async resultCleanExpired(): Promise<number> {
    const rows = await this.#run("resultCleanExpired", []);
    return rows.count ?? 0;
  }

  subscribeJobs(onWake: (queue: string) => void): Promise<Unsubscribe> {
    // On (re)connect notifications may have been missed: wake for every queue.
    return this.#listen(this.#rendered.jobsChannel, onWake, () => onWake("*"));
  }

  subscribeResults(onFinished: (ids: string[]) => void): Promise<Unsubscribe> {
    return this.#listen(this.#rendered.resultsChannel, (payload) => onFinished(payload.split(",")), () => onFinished([]));
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

  async serverVersion(): Promise<string> {
    const [row] = await this.#guard<Row[]>(() => this.#sql.unsafe(this.#rendered.queries.serverVersion));
    return `PostgreSQL ${row.version}`;
  }

  async uninstall(): Promise<void> {
    await this.#guard(() => this.#sql.unsafe(this.#rendered.queries.schemaDrop));
    this.#ready = undefined;
  }

  async close(): Promise<void> {
    await this.#sql.end({ timeout: 5 });
  }
}
