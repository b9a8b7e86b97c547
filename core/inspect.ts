/**
 * Seeing a running system (`app.inspect`, `tq inspect`): most answers are
 * read straight from the tables; what only a worker knows (its prefetched
 * jobs, its stats, whether it answers) is asked by broadcast, and the
 * replies are collected until every live worker answered or time ran out.
 */
import { NotFound, NotInstalled, SchemaIncompatible } from "./errors.ts";
import type {
  ControlReply,
  FailedSummary,
  JobDetail,
  JobSummary,
  QueueSummary,
  StoredEvent,
  TaskState,
  TimelineMinute,
  Transport,
  WorkerRecord,
} from "./transport.ts";

/** Options of a command sent to live workers (`app.inspect.stats()`, `app.control.shutdown()`...). */
export interface BroadcastOptions {
  /** Only this worker (its id); every live worker when omitted. */
  worker?: string;
  /** How long to wait for replies (ms), default 2000. */
  timeoutMs?: number;
}

/** Replies, and the live workers that did not answer in time. */
export interface BroadcastResult {
  /** One per worker that answered in time. */
  replies: ControlReply[];
  /** The ids of the live workers that did not answer in time. */
  missing: string[];
}

/** Everything known about one task id. */
export interface JobReport extends JobDetail {
  /** The task id asked about. */
  id: string;
  /** Its state now: from its stored result when it has one, else from its job. */
  state: TaskState;
  /** The task's name; null when neither its job nor its result is stored. */
  task: string | null;
  /** The tasks it sent (their `parentId` is this id), with their states. */
  children: { id: string; task: string; state: TaskState }[];
  /** Events recorded for it (when events are on), oldest first. */
  events: StoredEvent[];
}

const POLL_MS = 50;

/** Reads what the system is doing (`app.inspect`, `tq inspect`): queues, workers, jobs, and commands to live workers. */
export class Inspect {
  /** Made by the app: use `app.inspect`. */
  constructor(
    private readonly transport: () => Promise<Transport>,
    /** Heartbeats older than this mean a worker is dead. */
    private readonly staleMs: () => number,
  ) {}

  /** Counts per queue (ready, scheduled, running, failed, done lately) and how many live workers consume it. */
  async queues(): Promise<QueueSummary[]> {
    return (await this.transport()).inspectQueues(this.staleMs());
  }

  /** The last hour minute by minute: jobs finished, and their average run and wait times (the dashboard's charts). */
  async timeline(): Promise<TimelineMinute[]> {
    return (await this.transport()).inspectTimeline();
  }

  /** Stored events after `afterId`, oldest first, at most `limit` (events are kept an hour). */
  async eventsAfter(afterId: number, limit = 500): Promise<StoredEvent[]> {
    return (await this.transport()).eventList(afterId, limit);
  }

  /** The id of the newest stored event (0 when none): where a reader starts to see only new ones. */
  async eventCursor(): Promise<number> {
    return (await this.transport()).eventCursor();
  }

  /** Calls `onWake` when events may have been stored (a notification, or its connection coming back): read them with eventsAfter(). */
  async watchEvents(onWake: () => void): Promise<() => Promise<void>> {
    return (await this.transport()).subscribeEvents(onWake);
  }

  /** Every registered worker, dead ones included (pruned an hour after their last heartbeat). */
  async workers(): Promise<WorkerRecord[]> {
    return (await this.transport()).workerList(this.staleMs());
  }

  /** Jobs whose handler is running (of `task` when given), longest running first; at most `limit` (100). */
  async active(options: { limit?: number; task?: string } = {}): Promise<JobSummary[]> {
    return (await this.transport()).inspectJobs("active", options.limit ?? 100, options.task);
  }

  /** Jobs waiting for a later time (a countdown, eta or retry delay), soonest first; at most `limit` (100). */
  async scheduled(options: { limit?: number; task?: string } = {}): Promise<JobSummary[]> {
    return (await this.transport()).inspectJobs("scheduled", options.limit ?? 100, options.task);
  }

  /** Failed tasks kept for `tq retry` (`failedTtl`), latest first; at most `limit` (100). */
  async failed(options: { limit?: number; task?: string } = {}): Promise<FailedSummary[]> {
    return (await this.transport()).inspectFailed(options.limit ?? 100, options.task);
  }

  /** Task names per live worker. */
  async registered(): Promise<{ worker: string; tasks: string[] }[]> {
    const workers = await this.workers();
    return workers.filter((w) => w.alive).map((w) => ({ worker: w.id, tasks: w.tasks }));
  }

  /** Jobs each live worker claimed but has not started (prefetched, or waiting for a rate limit). */
  reserved(options: BroadcastOptions = {}): Promise<BroadcastResult> {
    return this.broadcast("reserved", {}, options);
  }

  /** Each live worker's (or one's) identity, status and counts since it started. */
  stats(options: BroadcastOptions = {}): Promise<BroadcastResult> {
    return this.broadcast("stats", {}, options);
  }

  /** Asks live workers (or one) whether they answer; `missing` names those that did not in time. */
  ping(options: BroadcastOptions = {}): Promise<BroadcastResult> {
    return this.broadcast("ping", {}, options);
  }

  /**
   * Sends `command` to the live workers (or one) and collects replies until
   * each answered or the timeout passed. A worker between connections reads
   * it on its next heartbeat, if that comes in time.
   */
  async broadcast(command: string, args: Record<string, unknown>, options: BroadcastOptions = {}): Promise<BroadcastResult> {
    const transport = await this.transport();
    const timeoutMs = options.timeoutMs ?? 2_000;
    const live = (await transport.workerList(this.staleMs())).filter((w) => w.alive && (!options.worker || w.id === options.worker));
    const expected = new Set(live.map((w) => w.id));
    // Kept a little longer than we wait, so a worker that reads it late still acts on it.
    const id = await transport.controlSend(command, args, options.worker ?? null, Math.max(timeoutMs * 5, 30_000));
    const deadline = Date.now() + timeoutMs;
    let replies: ControlReply[] = [];
    while (true) {
      replies = await transport.controlReplies(id);
      const answered = new Set(replies.map((r) => r.worker));
      if ([...expected].every((w) => answered.has(w)) || Date.now() >= deadline) {
        return { replies, missing: [...expected].filter((w) => !answered.has(w)) };
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  /**
   * Everything stored about a task: message, attempts and errors, result,
   * timings, parent and children, events. NotFound when the database has no
   * trace of `id` (no job, result, event or child): never sent to this
   * schema, or long gone, rather than PENDING.
   */
  async job(id: string): Promise<JobReport> {
    const transport = await this.transport();
    const [detail, children, events] = await Promise.all([transport.inspectJob(id), transport.inspectChildren(id), transport.eventList(0, 1_000, id)]);
    if (!detail.job && !detail.result && !detail.chord && events.length === 0 && children.length === 0) {
      throw new NotFound(`No task ${id} is known here: it was never sent to this schema, or its result expired and was deleted.`);
    }
    const message = (detail.job?.message ?? detail.result?.message ?? null) as { task?: string } | null;
    const retries = (detail.job?.message as { retries?: number } | undefined)?.retries ?? 0;
    const state: TaskState = detail.result?.state ?? (detail.job?.state === "running" ? "STARTED" : retries > 0 ? "RETRY" : "PENDING");
    return { id, state, task: detail.result?.task ?? message?.task ?? null, ...detail, children, events };
  }
}

/**
 * Throws NotInstalled unless tq's tables are in the transport's schema, at
 * the version this code needs; creates nothing. For read-only callers (`tq
 * inspect`, `tq events`), whose app has the "migrate" option off. `where`
 * names the schema and database for the message.
 */
export async function requireInstalled(transport: Transport, where: string): Promise<void> {
  const { applied, latest, incompatible } = await transport.migrationStatus();
  if (incompatible) throw new SchemaIncompatible(incompatible);
  if (applied === 0) {
    throw new NotInstalled(`tq's tables are not in ${where}: run \`tq migrate\` (or start a worker) to create them, or check TQ_DATABASE_URL and TQ_SCHEMA.`);
  }
  if (applied < latest) {
    throw new NotInstalled(`tq's tables in ${where} are at migration ${applied}, and this tq needs ${latest}. Run \`tq migrate\` to update them.`);
  }
}
