/**
 * The result backend and the per-task settings: stored results, failed jobs
 * sent again, cluster-wide rate-limit buckets and settings changed at run time.
 */
import type { ResultRecord, TaskSettings, Unsubscribe } from "../../core/transport.ts";
import type { PgConnection } from "./connection.ts";

// deno-lint-ignore no-explicit-any
type Row = Record<string, any>;

/** The result and task-setting statements of the PostgreSQL transport. */
/** A chord ready this long without being fired lost its worker between commit and fire. */
const CHORD_CATCH_UP_MS = 2_000;

export class PgResults {
  constructor(private readonly db: PgConnection) {}

  async resultGetMany(ids: string[]): Promise<ResultRecord[]> {
    const rows = await this.db.run("resultGetMany", [ids]);
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
      interruptions: r.interruptions ?? [],
    }));
  }

  async resultForget(id: string): Promise<void> {
    await this.db.run("resultForget", [id]);
  }

  async resultCleanExpired(): Promise<number> {
    const rows = await this.db.run("resultCleanExpired", []);
    await this.db.run("uniqueCleanExpired", []);
    await this.db.run("sendGateClean", []);
    await this.db.run("signedRunClean", []);
    // Chords a worker made ready but died before firing, and old workflow records.
    await this.db.run("chordFire", [null, CHORD_CATCH_UP_MS]);
    await this.db.run("canvasClean", []);
    return rows.count ?? 0;
  }

  async signedSeen(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.run("signedSeen", [ids]);
    return rows.map((r: Row) => r.id);
  }

  async resultRequeueFailed(params: { ids?: string[]; task?: string; all?: boolean }): Promise<string[]> {
    const rows = await this.db.run("resultRequeueFailed", [params.ids ?? [], params.task ?? null, params.all ?? false]);
    return rows.map((r: Row) => r.id);
  }

  subscribeResults(onFinished: (ids: string[]) => void): Promise<Unsubscribe> {
    return this.db.listen(this.db.rendered.resultsChannel, (payload) => onFinished(payload.split(",")), () => onFinished([]));
  }

  async rateTake(params: { task: string; count: number; perMs: number; capacity: number }): Promise<{ granted: number; waitMs: number }> {
    const [row] = await this.db.run("rateTake", [params.task, params.count, params.perMs, params.capacity]);
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
    await this.db.run("taskSettingPut", [task, param(settings.rateLimit), param(settings.clusterRateLimit), limitMode, soft, hard]);
  }

  async taskSettingList(): Promise<TaskSettings[]> {
    const rows = await this.db.run("taskSettingList", []);
    return rows.map((r: Row) => ({
      task: r.task,
      rateLimit: r.rate_limit,
      clusterRateLimit: r.cluster_rate_limit,
      timeLimit: r.time_limit_set ? [r.soft_time_limit_ms, r.hard_time_limit_ms] : null,
    }));
  }
}
