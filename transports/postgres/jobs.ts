/**
 * The queue itself: inserting jobs, claiming them with SKIP LOCKED, and every
 * later change of a claimed job (complete, retry, release, rescue, revoke,
 * progress, heartbeat), each fenced by the job's (id, attempt).
 */
import type {
  Claim,
  ClaimedJob,
  ClaimParams,
  Completion,
  ConcurrencyLimits,
  HeartbeatReply,
  InsertOptions,
  JobRelease,
  JobToken,
  PauseRecord,
  PauseTarget,
  QueueCount,
  ResultTtls,
  RetryRequest,
  RevokeOutcome,
  Unsubscribe,
  WorkerInfo,
  WorkerStatus,
} from "../../core/transport.ts";
import type { RedactionRule } from "../../core/redact.ts";
import { PROTOCOL_VERSION } from "../../core/message.ts";
import { hasLimits } from "../../core/worker/claim_filter.ts";
import type { PgConnection } from "./connection.ts";

// deno-lint-ignore no-explicit-any
type Row = Record<string, any>;

interface ClaimRow {
  id: string;
  attempt: number;
  uncharged: number;
  max_attempts: number;
  started: boolean;
  suspect: boolean;
  /** Its place in the claim's order. */
  n: number;
  message: unknown;
  expired: boolean;
  revoke: "revoke" | "terminate" | null;
  waited_ms: number;
}

/** A row of a claim: a claimed job, or (id null) where a queue's next claim starts among its groups. */
type ClaimResultRow = (ClaimRow & { cursor_queue: null }) | { id: null; cursor_queue: string; cursor_group: string };

/** Ids per results notification: 36 characters each, under the 8,000-byte payload limit. */
const RESULT_NOTIFY_IDS = 200;

/** Expired leases handled per rescue statement; the sweep goes on while batches come back full. */
const RESCUE_BATCH = 1_000;

/** The insert's $6: what tq shows of each message's arguments, as JSON beside the messages, or null when none redacts. */
function encodeArgsShown(options: InsertOptions): string | null {
  const shown = options.argsShown;
  return shown?.some((s) => s !== undefined) ? JSON.stringify(shown.map((s) => s ?? null)) : null;
}

/** The parameters of job_insert_many.sql, for sends and for beat's ticks. */
export function insertParams(encodedMessages: string[], options: InsertOptions, notifyInline: boolean): unknown[] {
  return [
    `[${encodedMessages.join(",")}]`,
    options.delayMs ?? null,
    options.expiresInMs ?? null,
    options.uniqueWindowMs ?? null,
    notifyInline,
    encodeArgsShown(options),
    options.gate?.kind ?? null,
    options.gate?.key ?? null,
    options.gate?.ms ?? null,
    options.group ?? null,
  ];
}

/** The claim's $10: the limits as JSON, or null when there are none (the claim then skips their work). */
function limitsParam(limits: ConcurrencyLimits | undefined): string | null {
  return limits && hasLimits(limits) ? JSON.stringify(limits) : null;
}

/** Claimed rows as jobs, in claim order (RETURNING does not keep the claim's). */
function claimedJobs(rows: ClaimRow[]): ClaimedJob[] {
  rows.sort((a, b) => Number(a.n) - Number(b.n));
  return rows.map((r) => ({
    id: r.id,
    attempt: r.attempt,
    message: r.message,
    expired: r.expired,
    revoke: r.revoke,
    uncharged: r.uncharged,
    maxAttempts: r.max_attempts,
    started: r.started,
    suspect: r.suspect,
    waitedMs: r.waited_ms,
  }));
}

/**
 * Sorted by id: every statement that changes several running jobs locks them
 * in id order, so a heartbeat and a batch of completions never deadlock.
 */
function byId<T extends { id: string }>(items: T[]): T[] {
  return [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The job statements of the PostgreSQL transport. */
export class PgJobs {
  #insertsInFlight = 0;
  /** Fires chords a completion made ready (set by the transport). */
  onChordsReady?: (ids: string[]) => Promise<unknown>;

  constructor(private readonly db: PgConnection) {}

  async jobInsertMany(encodedMessages: string[], options: InsertOptions = {}): Promise<string[]> {
    if (encodedMessages.length === 0) return [];
    // The statement notifies by itself in the caller's transaction (only its
    // commit may wake workers) and when it is this app's only insert in
    // flight (one statement is quickest). Under concurrent sends it leaves the
    // wake-up to the notifier, so the inserts' commits do not queue behind
    // the NOTIFY lock (queries/notify_many.sql).
    const notifyInline = options.sql !== undefined || this.#insertsInFlight === 0;
    const params = insertParams(encodedMessages, options, notifyInline);
    this.#insertsInFlight++;
    try {
      const rows = await this.db.run("jobInsertMany", params, options.sql ?? this.db.sql);
      if (!notifyInline) this.db.notify(this.db.rendered.jobsChannel, rows[0]?.queues ?? []);
      return rows.map((r: Row) => r.id);
    } finally {
      this.#insertsInFlight--;
    }
  }

  async taskRedactionPutMany(rules: RedactionRule[]): Promise<void> {
    if (rules.length === 0) return;
    const sorted = [...rules].sort((a, b) => (a.task < b.task ? -1 : a.task > b.task ? 1 : 0));
    const [row] = await this.db.run("taskRedactionPutMany", [JSON.stringify(sorted)]);
    if (row.tasks.length > 0) await this.db.run("jobArgsShownFill", [row.tasks]);
  }

  async jobClaim(params: ClaimParams): Promise<Claim> {
    const limits = limitsParam(params.limits);
    const rows = await this.db.run(limits === null ? "jobClaim" : "jobClaimLimited", [
      params.queues,
      params.limit,
      params.workerId,
      params.leaseMs,
      params.earlyAckTasks ?? [],
      params.tasks,
      JSON.stringify(params.maxAttempts),
      params.startNow,
      PROTOCOL_VERSION,
      JSON.stringify(params.groupCursor ?? {}),
      ...(limits === null ? [] : [limits]),
    ]);
    const jobs: ClaimRow[] = [];
    const groupCursor: Record<string, string> = {};
    for (const row of rows as ClaimResultRow[]) {
      if (row.id === null) groupCursor[row.cursor_queue] = row.cursor_group;
      else jobs.push(row);
    }
    return { jobs: claimedJobs(jobs), groupCursor };
  }

  async pauseSet(target: PauseTarget, paused: boolean): Promise<boolean> {
    const [kind, name] = target.queue !== undefined ? ["queue", target.queue] : ["task", target.task];
    const [row] = await this.db.run("pauseSet", [kind, name, paused]);
    return row.was_paused;
  }

  async pauseList(): Promise<PauseRecord[]> {
    const rows = await this.db.run("pauseList", []);
    return rows.map((r: Row) => ({ kind: r.kind, name: r.name, since: r.since }));
  }

  async sendGatesOf(id: string): Promise<{ kind: "throttle" | "debounce"; key: string }[]> {
    return (await this.db.run("sendGateOf", [id])).map((r: Row) => ({ kind: r.kind, key: r.key }));
  }

  async limitUse(keys: string[]): Promise<Record<string, number>> {
    const rows = await this.db.run("limitUse", [keys]);
    return Object.fromEntries(rows.map((r: Row) => [r.key, r.used]));
  }

  async jobHeldBy(workerId: string, knownIds: string[]): Promise<ClaimedJob[]> {
    return claimedJobs(await this.db.run("jobHeldBy", [workerId, knownIds]));
  }

  async jobStartMany(jobs: JobToken[], workerId: string, leaseMs: number): Promise<string[]> {
    if (jobs.length === 0) return [];
    const rows = await this.db.run("jobStartMany", [JSON.stringify(byId(jobs)), workerId, leaseMs]);
    return rows.map((r: Row) => r.id);
  }

  async jobUnstartMany(jobs: JobToken[], workerId: string): Promise<void> {
    if (jobs.length === 0) return;
    await this.db.run("jobUnstartMany", [JSON.stringify(byId(jobs)), workerId]);
  }

  async jobCompleteMany(completions: Completion[], ttls: ResultTtls): Promise<string[]> {
    if (completions.length === 0) return [];
    const [row] = await this.db.run("jobCompleteMany", [JSON.stringify(byId(completions)), ttls.resultTtlMs, ttls.failedTtlMs]);
    const stored: string[] = row.stored ?? [];
    const payloads: string[] = [];
    for (let i = 0; i < stored.length; i += RESULT_NOTIFY_IDS) payloads.push(stored.slice(i, i + RESULT_NOTIFY_IDS).join(","));
    this.db.notify(this.db.rendered.resultsChannel, payloads);
    // Chords whose last member just finished, and chords started with no members.
    const ready: string[] = [...(row.chords_ready ?? [])];
    if (row.chords_saved > 0) ready.push(...completions.flatMap((c) => c.launch?.chords.filter((ch) => ch.members.length === 0).map((ch) => ch.id) ?? []));
    if (ready.length && this.onChordsReady) {
      // After the commit, so the callback reads every member's result. If
      // this fails, the maintenance sweep fires the chord (chord_fire.sql).
      await this.onChordsReady(ready).catch(() => {});
    }
    return row.done ?? [];
  }

  async jobRetryMany(retries: RetryRequest[]): Promise<string[]> {
    if (retries.length === 0) return [];
    const [row] = await this.db.run("jobRetryMany", [JSON.stringify(byId(retries))]);
    return row?.done ?? [];
  }

  async jobReleaseMany(jobs: JobRelease[], workerId: string): Promise<number> {
    if (jobs.length === 0) return 0;
    const [row] = await this.db.run("jobReleaseMany", [JSON.stringify(byId(jobs)), workerId]);
    return row.released;
  }

  async jobRescueExpired(ttls: ResultTtls): Promise<{ requeued: number; failed: number; revoked: number }> {
    const total = { requeued: 0, failed: 0, revoked: 0 };
    // One bounded statement at a time, repeated while they come back full:
    // 10,000 orphans are rescued in one sweep, not one batch per interval.
    for (;;) {
      const [row] = await this.db.run("jobRescueExpired", [ttls.resultTtlMs, ttls.failedTtlMs, RESCUE_BATCH]);
      total.requeued += row.requeued;
      total.failed += row.failed;
      total.revoked += row.revoked;
      if (row.expired < RESCUE_BATCH) return total;
    }
  }

  async jobRevoke(ids: string[], options: { terminate: boolean; reason: string; resultTtlMs: number }): Promise<RevokeOutcome[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.run("jobRevoke", [ids, options.terminate, options.resultTtlMs, options.reason]);
    return rows.map((r: Row) => ({ id: r.id, outcome: r.outcome, worker: r.worker ?? null }));
  }

  async jobProgress(job: JobToken, meta: unknown): Promise<void> {
    await this.db.run("jobProgress", [job.id, job.attempt, JSON.stringify(meta ?? null)]);
  }

  async jobNextReadyIn(queues: string[]): Promise<number | null> {
    const [row] = await this.db.run("jobNextRunAt", [queues]);
    return row.wait_ms ?? null;
  }

  jobCountByQueue(): Promise<QueueCount[]> {
    return this.db.run("jobCountByQueue", []);
  }

  async jobPurge(queue: string): Promise<number> {
    const [row] = await this.db.run("jobPurge", [queue]);
    return row.purged;
  }

  async jobCountQueued(queue: string): Promise<number> {
    const [row] = await this.db.run("jobCountQueued", [queue]);
    return row.queued;
  }

  subscribeJobs(onWake: (queue: string) => void): Promise<Unsubscribe> {
    // On (re)connect notifications may have been missed: wake for every queue.
    return this.db.listen(this.db.rendered.jobsChannel, onWake, () => onWake("*"));
  }

  async workerHeartbeat(worker: WorkerInfo, leaseMs: number, held: JobToken[], status: WorkerStatus): Promise<HeartbeatReply> {
    const sorted = byId(held);
    const [row] = await this.db.run("workerHeartbeat", [
      worker.id,
      worker.app,
      worker.host,
      worker.pid,
      worker.queues,
      worker.concurrency,
      worker.tasks,
      leaseMs,
      sorted.map((job) => job.id),
      JSON.stringify(status),
      sorted.map((job) => job.attempt),
      worker.version,
      worker.protocol,
      this.db.rendered.latestMigration,
      worker.limits ? JSON.stringify(worker.limits) : null,
    ]);
    return {
      lost: row.lost ?? [],
      revoked: row.revoked ?? [],
      settingsAt: row.settings_at ?? null,
      commandsPending: row.commands_pending === true,
    };
  }
}
