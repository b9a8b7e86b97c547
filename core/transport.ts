/**
 * The one interface between core and storage (STYLE.md 2), shaped by queue
 * semantics rather than by any database. Method names are Noun-Verb; every
 * change to a claimed job names its (id, attempt) fencing token.
 */
import type { Launch } from "./canvas/launch.ts";
import type { ErrorInfo } from "./errors.ts";
import type { RedactionRule, ShownArgs } from "./redact.ts";
import type {
  AttemptError,
  ControlCommand,
  ControlReply,
  DoctorFacts,
  FailedSummary,
  Interruption,
  JobDetail,
  JobSummary,
  QueueCount,
  QueueSummary,
  TimelineMinute,
  RevokeOutcome,
  ScheduleDefinition,
  ScheduleRecord,
  SchemaRoles,
  StoredEvent,
  TaskSettings,
  TaskState,
  TqEvent,
  WorkerInfo,
  WorkerRecord,
  WorkerStatus,
} from "./records.ts";
import type { Claim, ClaimedJob, ClaimParams, Completion, JobRelease, JobToken, RetryRequest } from "./job_records.ts";

// The records the transport returns are part of its contract: importers of this module see them too.
export type * from "./records.ts";
export type * from "./job_records.ts";

/** What the backend knows about one task id. */
export interface ResultRecord {
  /** The task id. */
  id: string;
  /** Its state; PENDING too for an id nothing is known about, as in Celery. */
  state: TaskState;
  /** The task's name; null when nothing is known about the id. */
  task: string | null;
  /** What the handler returned, once it succeeded; null otherwise. */
  value: unknown;
  /** Why it failed (FAILURE) or was revoked (REVOKED); null otherwise. */
  error: ErrorInfo | null;
  /** Progress stored by the handler with `this.progress()`, or null. */
  meta: unknown;
  /** Attempts so far: the claims that counted (not those a stopping worker handed back uncharged). */
  attempts: number;
  /** When it finished, by the database clock; null until then. */
  finishedAt: Date | null;
  /** Every failed attempt so far, oldest first. */
  errors: AttemptError[];
  /** Times a stopping worker handed it back while it ran (not failures). */
  interruptions: Interruption[];
}

/** Options for sending: `sql` runs the insert in the caller's own transaction. */
export interface InsertOptions {
  /** A postgres.js transaction (or sql instance) of the caller's. */
  sql?: unknown;
  /** Not claimable before this many ms from now, by the database clock (overrides each message's eta). */
  delayMs?: number;
  /** Expires this many ms from now, by the database clock (overrides each message's expires). */
  expiresInMs?: number;
  /** Unique keys stay taken at least this long after sending. */
  uniqueWindowMs?: number;
  /** Throttle or debounce the batch under one key for `ms` (SendOptions.throttle, .debounce). */
  gate?: { kind: "throttle" | "debounce"; key: string; ms: number };
  /** The group of every message of the batch (SendOptions.group). */
  group?: string;
  /**
   * What tq shows of each message's arguments, in order (TaskOptions.redact,
   * core/redact.ts); undefined where the sender knows no redaction for its
   * task. Such messages get the rule workers stored for their task.
   */
  argsShown?: (ShownArgs | undefined)[];
}

/** A table tq vacuumed itself, with the dead rows it had and how long the VACUUM took. */
export interface VacuumedTable {
  table: string;
  deadRows: number;
  ms: number;
}

/** How long finished results are kept: successes and revokes, and failures (which keep their message). */
export interface ResultTtls {
  resultTtlMs: number;
  failedTtlMs: number;
}

/** A command broadcast to live workers. */
export type ControlMessage =
  | { type: "revoke"; ids: string[]; terminate: boolean }
  | { type: "settings"; task?: string; queue?: string }
  | { type: "command"; id: number };

/** What a heartbeat brings back: what the worker may have missed between notifications. */
export interface HeartbeatReply {
  /** Held jobs whose lease could not be renewed under their token: another worker may run them now. */
  lost: JobToken[];
  revoked: { id: string; terminate: boolean }[];
  /** When task settings last changed (epoch ms), or null if never. */
  settingsAt: number | null;
  /** Whether a control command awaits this worker's answer. */
  commandsPending: boolean;
}

/** What a pause applies to: a queue or a task. */
export type PauseTarget = { queue: string; task?: undefined } | { task: string; queue?: undefined };

/** A queue or task paused cluster-wide, and since when. */
export interface PauseRecord {
  /** Whether a queue or a task is paused. */
  kind: "queue" | "task";
  /** The queue's or task's name. */
  name: string;
  /** When it was paused, by the database clock. */
  since: Date;
}

/** Stops a subscription. */
export type Unsubscribe = () => Promise<void>;

export interface Transport {
  /** Starts a workflow: its groups, chords and first jobs in one statement (in `sql`, the caller's transaction, if given). */
  canvasInsert(launch: Launch, options?: { sql?: unknown }): Promise<void>;
  /** Sends the callbacks of ready chords `ids` once each; `null`: every chord ready for longer than `staleMs`. */
  chordFire(ids: string[] | null, staleMs?: number): Promise<number>;
  /** A saved group's member result ids, in order; undefined when unknown. */
  groupMembers(id: string): Promise<string[] | undefined>;
  /** Stores REVOKED for ids of a workflow that were not sent yet, so they never are. */
  canvasRevokeUnsent(ids: string[], options: { reason: string; resultTtlMs: number }): Promise<string[]>;
  /** Applies pending migrations (idempotent, safe when run concurrently). */
  migrate(): Promise<number>;
  /**
   * Stores messages, each already encoded as JSON, in one statement and wakes
   * their queues. Returns, per message, the id of the job standing for it:
   * its own, or for a unique key already taken, the holder's.
   */
  jobInsertMany(encodedMessages: string[], options?: InsertOptions): Promise<string[]>;
  /** Claims up to `limit` ready jobs; see ClaimParams. */
  jobClaim(params: ClaimParams): Promise<Claim>;
  /**
   * The running jobs `workerId` holds that are not among `knownIds`: a claim
   * whose answer was lost on a broken connection. Returned as claimed.
   */
  jobHeldBy(workerId: string, knownIds: string[]): Promise<ClaimedJob[]>;
  /**
   * Marks claimed jobs as started just before they run, renewing their
   * leases; returns the ids still held under their token (the others must not run).
   */
  jobStartMany(jobs: JobToken[], workerId: string, leaseMs: number): Promise<string[]>;
  /** Clears the started mark of claimed jobs that have not run (before a suspect job runs). */
  jobUnstartMany(jobs: JobToken[], workerId: string): Promise<void>;
  /** Finishes jobs and stores their results; returns the ids that still held their token. */
  jobCompleteMany(completions: Completion[], ttls: ResultTtls): Promise<string[]>;
  /** Requeues failed jobs with a delay; returns the ids that still held their token. */
  jobRetryMany(retries: RetryRequest[]): Promise<string[]>;
  /** Gives claimed jobs back to the queue uncharged, in one statement; returns how many went back. */
  jobReleaseMany(jobs: JobRelease[], workerId: string): Promise<number>;
  /** Requeues, fails or (if revoked) ends jobs whose lease expired. */
  jobRescueExpired(ttls: ResultTtls): Promise<{ requeued: number; failed: number; revoked: number }>;
  /** Revokes jobs: waiting ones never run; running ones are signalled to their worker. */
  jobRevoke(ids: string[], options: { terminate: boolean; reason: string; resultTtlMs: number }): Promise<RevokeOutcome[]>;
  /** Stores a running job's progress meta. */
  jobProgress(job: JobToken, meta: unknown): Promise<void>;
  /** Milliseconds until the earliest queued job is ready; null when none is queued. */
  jobNextReadyIn(queues: string[]): Promise<number | null>;
  /** Queued and running jobs per queue. */
  jobCountByQueue(): Promise<QueueCount[]>;
  /** Registers or refreshes a worker and its status, and extends the leases of the jobs it holds. */
  workerHeartbeat(worker: WorkerInfo, leaseMs: number, held: JobToken[], status: WorkerStatus): Promise<HeartbeatReply>;
  workerRemove(workerId: string): Promise<void>;
  /** Registered workers; `alive` when the last heartbeat is younger than `staleMs`. */
  workerList(staleMs: number): Promise<WorkerRecord[]>;
  resultGetMany(ids: string[]): Promise<ResultRecord[]>;
  resultForget(id: string): Promise<void>;
  /** Deletes expired results and unique keys; returns how many results. */
  resultCleanExpired(): Promise<number>;
  /** Sends failed jobs again: the given ids, or with `all` every failed job (of `task`). Returns the ids requeued. */
  resultRequeueFailed(params: { ids?: string[]; task?: string; all?: boolean }): Promise<string[]>;
  /** Of the signed jobs `ids`, those that ran before: their messages are replays (docs/security.md). */
  signedSeen(ids: string[]): Promise<string[]>;
  /** Takes up to `count` tokens from a task's cluster-wide bucket. */
  rateTake(params: { task: string; count: number; perMs: number; capacity: number }): Promise<{ granted: number; waitMs: number }>;
  /**
   * Changes a task's run-time settings (undefined keeps one, null clears it;
   * a time limit of "option" goes back to the task's option) and tells the workers.
   */
  taskSettingPut(
    task: string,
    settings: { rateLimit?: string | null; clusterRateLimit?: string | null; timeLimit?: [number | null, number | null] | "option" },
  ): Promise<void>;
  taskSettingList(): Promise<TaskSettings[]>;
  /**
   * Stores the redaction rules of a worker's tasks (an empty rule removes
   * one), for jobs sent by name without the code, and redacts by them the
   * stored jobs and failures of those tasks that still show their arguments.
   */
  taskRedactionPutMany(rules: RedactionRule[]): Promise<void>;
  /** Calls `onWake` when jobs may be ready in a queue. */
  subscribeJobs(onWake: (queue: string) => void): Promise<Unsubscribe>;
  /** Calls `onFinished` with the ids of tasks that finished. */
  subscribeResults(onFinished: (ids: string[]) => void): Promise<Unsubscribe>;
  /** Calls `onMessage` for each control command broadcast to workers. */
  subscribeControl(onMessage: (message: ControlMessage) => void): Promise<Unsubscribe>;
  /** Broadcasts a command to live workers (or one), valid for `ttlMs`; returns its id. */
  controlSend(command: string, args: Record<string, unknown>, target: string | null, ttlMs: number): Promise<number>;
  /** Unexpired commands meant for this worker, sent since it registered, that it has not answered. */
  controlFetch(workerId: string): Promise<ControlCommand[]>;
  controlReply(commandId: number, workerId: string, reply: Record<string, unknown>): Promise<void>;
  controlReplies(commandId: number): Promise<ControlReply[]>;
  /**
   * Stores events in one statement and wakes `tq events`; with `sql` (a
   * caller's transaction, as in InsertOptions) they commit or roll back with it.
   */
  eventInsertMany(events: TqEvent[], options?: { sql?: unknown }): Promise<void>;
  /** Events after `afterId`, oldest first (of one task when given). */
  eventList(afterId: number, limit: number, taskId?: string): Promise<StoredEvent[]>;
  /** The newest event's id (0 when none). */
  eventCursor(): Promise<number>;
  /** Calls `onWake` when events may have been stored. */
  subscribeEvents(onWake: () => void): Promise<Unsubscribe>;
  /** Deletes old events, expired commands, old queue counts and long-dead workers. */
  inspectClean(): Promise<void>;
  /** Pauses (`paused` true) or resumes a queue or task cluster-wide; returns whether it was paused before. */
  pauseSet(target: PauseTarget, paused: boolean): Promise<boolean>;
  /** The queues and tasks paused now. */
  pauseList(): Promise<PauseRecord[]>;
  /** The throttle or debounce keys job `id` stands for (SendOptions.throttle, .debounce). */
  sendGatesOf(id: string): Promise<{ kind: "throttle" | "debounce"; key: string }[]>;
  /** Places taken now under each concurrency limit ("task:NAME", "queue:NAME"). */
  limitUse(keys: string[]): Promise<Record<string, number>>;
  /** Vacuums tq's tables whose dead rows autovacuum is not removing (off, or behind); returns those vacuumed. */
  vacuumBehind(): Promise<VacuumedTable[]>;
  /** Per-queue counts; consumers are workers whose heartbeat is younger than `staleMs`. */
  inspectQueues(staleMs: number): Promise<QueueSummary[]>;
  /** The last hour minute by minute (jobs finished, average run and wait times), oldest first. */
  inspectTimeline(): Promise<TimelineMinute[]>;
  /** Running ("active") or later-scheduled ("scheduled") jobs. */
  inspectJobs(kind: "active" | "scheduled", limit: number, task?: string): Promise<JobSummary[]>;
  inspectFailed(limit: number, task?: string): Promise<FailedSummary[]>;
  inspectJob(id: string): Promise<JobDetail>;
  /** Tasks sent by task `id` (by their parentId). */
  inspectChildren(id: string): Promise<{ id: string; task: string; state: TaskState }[]>;
  /** Ready jobs of `queue` that would be claimed before job `id`. */
  inspectAhead(queue: string, id: string): Promise<number>;
  /** Deletes the waiting jobs of a queue; returns how many. */
  jobPurge(queue: string): Promise<number>;
  /** Waiting jobs of a queue. */
  jobCountQueued(queue: string): Promise<number>;
  /** Every schedule, and the database clock's now. */
  scheduleList(): Promise<{ now: Date; schedules: ScheduleRecord[] }>;
  /**
   * Adds a run-time schedule (with `replace`, replaces a run-time one of the
   * same name). Never overwrites one defined in code.
   */
  scheduleAdd(definition: ScheduleDefinition, replace: boolean): Promise<"added" | "replaced" | "exists" | "code">;
  /** Deletes a run-time schedule; one defined in code is left alone ("code"). */
  scheduleRemove(name: string): Promise<"removed" | "missing" | "code">;
  /** Pauses or resumes a schedule; false when there is none of that name. */
  scheduleSetEnabled(name: string, enabled: boolean): Promise<boolean>;
  /** Writes the app's code schedules and deletes code schedules it no longer has; returns the names deleted. */
  scheduleSyncCode(definitions: ScheduleDefinition[]): Promise<string[]>;
  /**
   * Sends one tick's job and records the tick in one transaction. Returns the
   * job id, or null when the tick had already been sent.
   */
  beatFire(schedule: string, fireAt: Date, encodedMessage: string, timing: InsertOptions): Promise<string | null>;
  /** Moves a schedule past skipped ticks up to `upTo`. */
  beatSkip(schedule: string, upTo: Date): Promise<void>;
  /** Forgets sent ticks older than a day. */
  beatTickClean(): Promise<number>;
  /**
   * True when this transport leads beat for the next `leaseMs` (database
   * clock), renewing its lead or taking a free one (on a connection of its own).
   */
  beatLeaderTry(params: { leaseMs: number }): Promise<boolean>;
  /** Gives up beat leadership and closes its connection. */
  beatLeaderRelease(): Promise<void>;
  /**
   * The newest migration applied to this schema (0 when tq's tables are not
   * there) and the newest this code knows, and why this tq cannot use the
   * schema when a newer tq changed it incompatibly (null when it can; see
   * docs/upgrading.md); asking creates and migrates nothing.
   */
  migrationStatus(): Promise<{ applied: number; latest: number; incompatible: string | null }>;
  /** The database server's version, for reports. */
  serverVersion(): Promise<string>;
  /** The database clock's now, which decides every countdown, expiry and lease; asking creates and migrates nothing. */
  clockNow(): Promise<Date>;
  /** What `tq doctor` judges: workers are dead after `staleMs`, a lease is overdue `overdueMs` after it ran out. Reads only. */
  doctorFacts(staleMs: number, overdueMs: number): Promise<DoctorFacts>;
  /** Milliseconds until a notification is heard by a LISTEN of this transport; null when not within `timeoutMs`. */
  notifyRoundTrip(timeoutMs: number): Promise<number | null>;
  /** Deletes everything tq stored: all jobs, results and workers of this app's schema. */
  uninstall(): Promise<void>;
  /** Creates the schema's producer, worker and inspector roles (or refreshes their grants); run by the schema's owner. */
  rolesGrant(): Promise<SchemaRoles>;
  close(): Promise<void>;
}
