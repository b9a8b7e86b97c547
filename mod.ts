/**
 * tq: a distributed task queue for Deno and Bun with PostgreSQL as broker
 * and result backend. This module is the whole public API.
 *
 * ```ts
 * import { App } from "tq";
 * export const app = new App({ name: "shop" });
 * export const add = app.task("add", (a: number, b: number) => a + b);
 * const result = await add.delay(2, 3);
 * console.log(await result.get({ timeout: 5_000 })); // 5
 * ```
 * @module
 */
import { App as CoreApp } from "./core/app.ts";
import type { AppOptions } from "./core/config.ts";
import { postgresBackend } from "./transports/mod.ts";

/**
 * A tq app: its tasks, its configuration and, lazily, its connection to
 * PostgreSQL (the server at `databaseUrl`, or the embedded database `tq dev`
 * serves for this directory). Constructing one connects to nothing.
 */
export class App extends CoreApp {
  /** Checks `options` now (a ConfigError names a bad one); TQ_* variables are read on first use. */
  constructor(options: AppOptions = {}) {
    super(options, postgresBackend);
  }
}
export { isApp } from "./core/app.ts";
export type { App as CoreApp, AppConf } from "./core/app.ts";
export { Beat } from "./core/beat/beat.ts";
export type { BeatOptions } from "./core/beat/beat.ts";
export type { BeatEntry, BeatSendOptions } from "./core/beat/entry.ts";
export type { MissedPolicy } from "./core/beat/plan.ts";
export { at, cron, every } from "./core/beat/schedule.ts";
export type { Schedule, ScheduleKind } from "./core/beat/schedule.ts";
export type { ScheduleInfo, Schedules } from "./core/beat/schedules.ts";
export type { AppOptions, Config } from "./core/config.ts";
export { generateKeyPair, SigningKey, type VerifyKey } from "./core/security/keys.ts";
export { ENV_VARIABLES } from "./core/config.ts";
export { LamportClock } from "./core/clock.ts";
export { currentTask, RetryRequested } from "./core/context.ts";
export type { RetryOptions, TaskContext } from "./core/context.ts";
export type { DiscoverOptions } from "./core/discover.ts";
export type { Duration } from "./core/duration.ts";
export type { BackoffKind } from "./core/backoff.ts";
export { Control } from "./core/control.ts";
export { diagnose } from "./core/doctor.ts";
export type { DiagnoseOptions, DoctorReport, Finding, FindingLevel } from "./core/doctor.ts";
export { Canvas, CanvasFromData, Chain, chain, Chord, chord, Group, group, Signature } from "./core/canvas/canvas.ts";
export type { AnyCanvas, CanvasStarter, Handle, InOf, OutOf, SignatureOptions, Startable } from "./core/canvas/canvas.ts";
export type { CanvasData, ChainData, ChordData, GroupData, StepOptions, TaskStep } from "./core/canvas/data.ts";
export { ChunksResult, GroupResult, ResultSet } from "./core/canvas/results.ts";
export type { RateLimitOptions, RevokeOptions } from "./core/control.ts";
export type { Rate } from "./core/rate.ts";
export {
  ConfigError,
  DatabaseError,
  InvalidArguments,
  InvalidMessage,
  LeaseLost,
  NotFound,
  MigrationBlocked,
  NotInstalled,
  ResultTimeout,
  SchemaIncompatible,
  SoftTimeLimitExceeded,
  TaskFailed,
  TaskNotRegistered,
  TaskRevoked,
  TimeLimitExceeded,
  TqError,
  WorkerLost,
  WorkerShutdown,
} from "./core/errors.ts";
export type { ErrorInfo } from "./core/errors.ts";
export { createLogger } from "./core/logger.ts";
export type { ConsoleLoggerOptions, LogFields, Logger, LogLevel } from "./core/logger.ts";
export { messageSchema, PROTOCOL_VERSION } from "./core/message.ts";
export type { Message, Origin } from "./core/message.ts";
export { AsyncResult } from "./core/result.ts";
export type { GetOptions } from "./core/result.ts";
export { Task } from "./core/task.ts";
export type { CanvasLike, Errback, FailedTask, Head, Redaction, SendOptions, Tail, TaskHandler, TaskOptions, TaskSender } from "./core/task.ts";
export type { Arity } from "./core/arity.ts";
export type { EventType } from "./core/events.ts";
export { TASK_EVENTS, WORKER_EVENTS } from "./core/events.ts";
export type { BroadcastOptions, BroadcastResult, Inspect, JobReport } from "./core/inspect.ts";
export type { WhyCode, WhyReason, WhyReport } from "./core/why.ts";
export type {
  AttemptError,
  ChordPlace,
  ConcurrencyLimits,
  ControlReply,
  FailedSummary,
  Interruption,
  JobDetail,
  JobSummary,
  PauseRecord,
  PauseTarget,
  QueueCount,
  QueueSummary,
  ResultRecord,
  RevokeOutcome,
  ScheduleDefinition,
  ScheduleRecord,
  StoredEvent,
  TaskState,
  TimelineMinute,
  TqEvent,
  WorkerInfo,
  WorkerRecord,
  WorkerStatus,
} from "./core/transport.ts";
export type { PoolKind } from "./core/worker/pool/pool.ts";
export { Worker } from "./core/worker/worker.ts";
export type { StopReport, WorkerOptions, WorkerStats } from "./core/worker/worker.ts";
export type {
  BeatTickEvent,
  JobClaimedEvent,
  JobEnd,
  JobEndedEvent,
  JobsRescuedEvent,
  JobStartedEvent,
  TelemetryEvent,
  TelemetryListener,
} from "./core/telemetry.ts";
