/**
 * What `tq inspect`, `tq control` and `tq events` read and write: workers,
 * queues and jobs as seen from outside, broadcast commands with their
 * replies, and the stored event log.
 */
import type {
  ControlCommand,
  ControlMessage,
  ControlReply,
  FailedSummary,
  JobDetail,
  JobSummary,
  QueueSummary,
  TimelineMinute,
  StoredEvent,
  TaskState,
  TqEvent,
  Unsubscribe,
  WorkerRecord,
} from "../../core/transport.ts";
import type { PgConnection } from "./connection.ts";
import { type AppliedMigration, incompatibility } from "./migrate.ts";
import { jobDetailFromRow, jobSummaryFromRow, queueSummaryFromRow, workerFromRow } from "./rows.ts";

// deno-lint-ignore no-explicit-any
type Row = Record<string, any>;

/** The inspection, control and event statements of the PostgreSQL transport. */
export class PgInspection {
  constructor(private readonly db: PgConnection) {}

  async workerRemove(workerId: string): Promise<void> {
    await this.db.run("workerRemove", [workerId]);
  }

  async workerList(staleMs: number): Promise<WorkerRecord[]> {
    return (await this.db.run("workerList", [staleMs])).map(workerFromRow);
  }

  async controlSend(command: string, args: Record<string, unknown>, target: string | null, ttlMs: number): Promise<number> {
    const [row] = await this.db.run("controlSend", [command, JSON.stringify(args), target, ttlMs]);
    return row.id;
  }

  async controlFetch(workerId: string): Promise<ControlCommand[]> {
    const rows = await this.db.run("controlFetch", [workerId]);
    return rows.map((r: Row) => ({ id: r.id, command: r.command, args: r.args ?? {} }));
  }

  async controlReply(commandId: number, workerId: string, reply: Record<string, unknown>): Promise<void> {
    await this.db.run("controlReply", [commandId, workerId, JSON.stringify(reply)]);
  }

  async controlReplies(commandId: number): Promise<ControlReply[]> {
    const rows = await this.db.run("controlReplies", [commandId]);
    return rows.map((r: Row) => ({ worker: r.worker, reply: r.reply, at: r.at }));
  }

  subscribeControl(onMessage: (message: ControlMessage) => void): Promise<Unsubscribe> {
    return this.db.listen(this.db.rendered.controlChannel, (payload) => {
      try {
        onMessage(JSON.parse(payload));
      } catch {
        // Not ours or malformed: control messages are only ever written by tq's own statements.
      }
    }, () => {});
  }

  async eventInsertMany(events: TqEvent[], options: { sql?: unknown } = {}): Promise<void> {
    if (events.length === 0) return;
    if (options.sql !== undefined) {
      // In the caller's transaction: the wake-up too, so only its commit sends it.
      await this.db.run("eventInsertMany", [JSON.stringify(events)], options.sql);
      await this.db.run("notifyMany", [this.db.rendered.eventsChannel, [""]], options.sql);
      return;
    }
    await this.db.run("eventInsertMany", [JSON.stringify(events)]);
    this.db.notify(this.db.rendered.eventsChannel, [""]);
  }

  async eventList(afterId: number, limit: number, taskId?: string): Promise<StoredEvent[]> {
    const rows = await this.db.run("eventList", [afterId, limit, taskId ?? null]);
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
    const [row] = await this.db.run("eventCursor", []);
    return row.id;
  }

  subscribeEvents(onWake: () => void): Promise<Unsubscribe> {
    return this.db.listen(this.db.rendered.eventsChannel, () => onWake(), () => onWake());
  }

  async inspectClean(): Promise<void> {
    await this.db.run("inspectClean", []);
  }

  async inspectQueues(staleMs: number): Promise<QueueSummary[]> {
    return (await this.db.run("inspectQueues", [staleMs])).map(queueSummaryFromRow);
  }

  async inspectTimeline(): Promise<TimelineMinute[]> {
    return (await this.db.run("inspectTimeline", [])).map((r: Row) => ({ at: r.at, succeeded: r.succeeded, failed: r.failed, runMs: r.run_ms, waitMs: r.wait_ms }));
  }

  async inspectJobs(kind: "active" | "scheduled", limit: number, task?: string): Promise<JobSummary[]> {
    return (await this.db.run("inspectJobs", [kind, limit, task ?? null])).map(jobSummaryFromRow);
  }

  async inspectFailed(limit: number, task?: string): Promise<FailedSummary[]> {
    const rows = await this.db.run("inspectFailed", [task ?? null, limit]);
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
    const [row] = await this.db.run("inspectJob", [id]);
    return jobDetailFromRow(row);
  }

  async inspectChildren(id: string): Promise<{ id: string; task: string; state: TaskState }[]> {
    return await this.db.run("inspectChildren", [id]);
  }

  /**
   * The newest migration applied to this schema (0 when tq's tables are not
   * there) and the newest this code has. Runs without migrating first, so
   * asking creates nothing.
   */
  async migrationStatus(): Promise<{ applied: number; latest: number; incompatible: string | null }> {
    const latest = this.db.rendered.latestMigration;
    const [{ installed }] = await this.db.read("migrationInstalled");
    if (!installed) return { applied: 0, latest, incompatible: null };
    const applied = (await this.db.read("migrationVersions")) as AppliedMigration[];
    const incompatible = incompatibility(applied, latest, this.db.options.schema);
    return { applied: Math.max(0, ...applied.map((r) => r.version)), latest, incompatible };
  }

  /** The database clock's now. Like migrationStatus, it runs without migrating first: reading the clock creates nothing. */
  async clockNow(): Promise<Date> {
    const [row] = await this.db.read("clockNow");
    return row.now;
  }

  async inspectAhead(queue: string, id: string): Promise<number> {
    const [row] = await this.db.run("inspectAhead", [queue, id]);
    return row.ahead;
  }
}
