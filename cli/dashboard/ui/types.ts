/**
 * The shapes of the dashboard's JSON API (cli/dashboard/server.ts), as the
 * browser receives them: the server's records (core/records.ts) with dates
 * as ISO-8601 strings, and anything a task produced (arguments, values,
 * progress) as plain JSON of unknown shape. Type imports only: the bundle
 * holds none of core.
 */
import type * as core from "../../../core/records.ts";
import type { JobReport } from "../../../core/inspect.ts";
import type { ScheduleInfo } from "../../../core/beat/schedules.ts";

/** A record as JSON carries it: every Date an ISO-8601 string, the rest as is. */
type AsJson<T> = T extends Date ? string : T extends (infer U)[] ? AsJson<U>[] : T extends object ? { [K in keyof T]: AsJson<T[K]> } : T;

/** One queue's counts in `GET /api/overview`. */
export type QueueSummary = AsJson<core.QueueSummary>;

/** A registered worker and what its last heartbeat reported. */
export type WorkerRecord = AsJson<core.WorkerRecord>;

/** `GET /api/overview`, also pushed as the stream's `overview` event. */
export interface Overview {
  now: string;
  readOnly: boolean;
  tokenRequired: boolean;
  queues: QueueSummary[];
  workers: WorkerRecord[];
}

/** One minute of `GET /api/chart`; the averages are null in a minute with no job. */
export type ChartMinute = AsJson<core.TimelineMinute>;

/** `GET /api/chart`: the last 60 minutes, oldest first. */
export interface Chart {
  minutes: ChartMinute[];
}

/** The lists `GET /api/jobs?list=` serves. */
export type ListName = "active" | "scheduled" | "failed";

/** A queued or running job, in the active and scheduled lists. */
export type LiveJobItem = AsJson<core.JobSummary>;

/** A failed job's stored result, in the failed list. */
export type FailedJobItem = AsJson<core.FailedSummary>;

/** One page of `GET /api/jobs`. */
export interface JobList<T = LiveJobItem | FailedJobItem> {
  list: ListName;
  items: T[];
  offset: number;
  limit: number;
  more: boolean;
  cap: number;
}

/** A job's state as the API names it. */
export type JobState = "PENDING" | "STARTED" | "RETRY" | "SUCCESS" | "FAILURE" | "REVOKED";

/** One failed attempt in a job's history. */
export type AttemptError = AsJson<core.AttemptError>;

/** One time a stopping worker handed a running job back (not a failure). */
export type Interruption = AsJson<core.Interruption>;

/** The task message as sent; args and kwargs come redacted by the server. */
export interface TaskMessage {
  args?: unknown;
  kwargs?: unknown;
  [key: string]: unknown;
}

/** The queued or running row of a job. */
export type JobRow = Omit<AsJson<NonNullable<core.JobDetail["job"]>>, "message"> & { message: TaskMessage | null };

/** A finished job's stored result. */
export type JobResult = Omit<AsJson<NonNullable<core.JobDetail["result"]>>, "message"> & { message: TaskMessage | null };

/** A recorded task or worker event (workers started with `-E`). */
export type TqEvent = AsJson<core.StoredEvent>;

/** `GET /api/jobs/:id`. */
export type JobDetail = Omit<AsJson<JobReport>, "job" | "result"> & { job: JobRow | null; result: JobResult | null };

/** One schedule of `GET /api/schedules`. */
export type ScheduleItem = AsJson<ScheduleInfo>;

/** The states after which a job changes no more (unless retried). */
export const FINAL_STATES: readonly string[] = ["SUCCESS", "FAILURE", "REVOKED"];
