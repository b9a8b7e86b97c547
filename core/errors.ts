/**
 * Error types (STYLE.md 6). Users catch these by class; the transport
 * translates database errors into them and keeps the original as `cause`.
 */
import { boundedText, boundedType } from "./storable.ts";

/** Base class of every error tq raises. */
export class TqError extends Error {
  /** "TqError"; every subclass sets its own class name here, so stacks and logs show it. */
  override name = "TqError";
  /**
   * A stable code to branch on, the same in the library and in the CLI's
   * `--json` output: "TQ_ERROR" here, each subclass its own (docs/cli.md lists them).
   */
  readonly code: string = "TQ_ERROR";
}

/** An option had a value tq cannot use. The message names the option and what it accepts. */
export class ConfigError extends TqError {
  /** "ConfigError", the class's name, for stacks and logs. */
  override name = "ConfigError";
  /** The stable code to branch on: "CONFIG_INVALID". */
  override readonly code: string = "CONFIG_INVALID";
}

/** A task name that no registry knows. */
export class TaskNotRegistered extends TqError {
  /** "TaskNotRegistered", the class's name, for stacks and logs. */
  override name = "TaskNotRegistered";
  /** The stable code to branch on: "TASK_NOT_REGISTERED". */
  override readonly code: string = "TASK_NOT_REGISTERED";
}

/** A message that does not match the protocol's schema, or is too large. */
export class InvalidMessage extends TqError {
  /** "InvalidMessage", the class's name, for stacks and logs. */
  override name = "InvalidMessage";
  /** The stable code to branch on: "MESSAGE_INVALID". */
  override readonly code: string = "MESSAGE_INVALID";
}

/** Arguments that do not match a task's argument schema. */
export class InvalidArguments extends TqError {
  /** "InvalidArguments", the class's name, for stacks and logs. */
  override name = "InvalidArguments";
  /** The stable code to branch on: "ARGUMENTS_INVALID". */
  override readonly code: string = "ARGUMENTS_INVALID";
}

/** `AsyncResult.get()` ran out of time before the task finished. */
export class ResultTimeout extends TqError {
  /** "ResultTimeout", the class's name, for stacks and logs. */
  override name = "ResultTimeout";
  /** The stable code to branch on: "RESULT_TIMEOUT". */
  override readonly code: string = "RESULT_TIMEOUT";
}

/** The database could not be reached or refused us. Never carries the password. */
export class DatabaseError extends TqError {
  /** "DatabaseError", the class's name, for stacks and logs. */
  override name = "DatabaseError";
  /** The stable code to branch on: "DATABASE_ERROR". */
  override readonly code: string = "DATABASE_ERROR";
  /** True when the connection failed rather than the statement: trying again may work. */
  readonly retryable: boolean;

  /** `cause`: the driver's error, kept; `retryable`: false unless given. */
  constructor(message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.retryable = options.retryable ?? false;
  }
}

/** The worker running a job died before it finished (at-most-once tasks, or out of attempts). */
export class WorkerLost extends TqError {
  /** "WorkerLost", the class's name, for stacks and logs. */
  override name = "WorkerLost";
  /** The stable code to branch on: "WORKER_LOST". */
  override readonly code: string = "WORKER_LOST";
}

/**
 * The reason of a running handler's AbortSignal when its worker stops and the
 * grace is spent (or a second signal came): the job goes back to its queue
 * uncharged, and another worker runs it.
 */
export class WorkerShutdown extends TqError {
  /** "WorkerShutdown", the class's name, for stacks and logs. */
  override name = "WorkerShutdown";
  /** The stable code to branch on: "WORKER_SHUTDOWN". */
  override readonly code: string = "WORKER_SHUTDOWN";
}

/**
 * The reason of a running handler's AbortSignal when its worker learns that
 * it no longer holds the job (it paused past its lease and another worker
 * took the job over): whatever the handler returns now is discarded.
 */
export class LeaseLost extends TqError {
  /** "LeaseLost", the class's name, for stacks and logs. */
  override name = "LeaseLost";
  /** The stable code to branch on: "LEASE_LOST". */
  override readonly code: string = "LEASE_LOST";
}

/** A task's hard time limit passed: the job failed and its slot was freed. */
export class TimeLimitExceeded extends TqError {
  /** "TimeLimitExceeded", the class's name, for stacks and logs. */
  override name = "TimeLimitExceeded";
  /** The stable code to branch on: "TIME_LIMIT_EXCEEDED". */
  override readonly code: string = "TIME_LIMIT_EXCEEDED";
}

/**
 * A task's soft time limit passed. It is the reason of the handler's
 * AbortSignal, so `this.signal.throwIfAborted()` throws it and a handler can
 * catch it to clean up before the hard limit.
 */
export class SoftTimeLimitExceeded extends TqError {
  /** "SoftTimeLimitExceeded", the class's name, for stacks and logs. */
  override name = "SoftTimeLimitExceeded";
  /** The stable code to branch on: "SOFT_TIME_LIMIT_EXCEEDED". */
  override readonly code: string = "SOFT_TIME_LIMIT_EXCEEDED";
}

/** The task was revoked. The reason of the signal of a terminated task, and the error type of a REVOKED result. */
export class TaskRevoked extends TqError {
  /** "TaskRevoked", the class's name, for stacks and logs. */
  override name = "TaskRevoked";
  /** The stable code to branch on: "TASK_REVOKED". */
  override readonly code: string = "TASK_REVOKED";
}

/** A job, result or other thing named by id that the database has no trace of. */
export class NotFound extends TqError {
  /** "NotFound", the class's name, for stacks and logs. */
  override name = "NotFound";
  /** The stable code to branch on: "NOT_FOUND". */
  override readonly code: string = "NOT_FOUND";
}

/** tq's tables are not in this database and schema, and the command only reads: run `tq migrate` or start a worker. */
export class NotInstalled extends TqError {
  /** "NotInstalled", the class's name, for stacks and logs. */
  override name = "NotInstalled";
  /** The stable code to branch on: "NOT_INSTALLED". */
  override readonly code: string = "NOT_INSTALLED";
}

/**
 * This tq and the database's schema cannot work together: a newer tq changed
 * the tables in a way this one does not know (upgrade this tq). Nothing was
 * changed. See docs/upgrading.md.
 */
export class SchemaIncompatible extends TqError {
  /** "SchemaIncompatible", the class's name, for stacks and logs. */
  override name = "SchemaIncompatible";
  /** The stable code to branch on: "SCHEMA_INCOMPATIBLE". */
  override readonly code: string = "SCHEMA_INCOMPATIBLE";
}

/**
 * A migration that older code cannot survive waits until no older worker is
 * alive; the message names them. Nothing was migrated: start again once they
 * are gone.
 */
export class MigrationBlocked extends SchemaIncompatible {
  /** "MigrationBlocked", the class's name, for stacks and logs. */
  override name = "MigrationBlocked";
  /** The stable code to branch on: "MIGRATION_BLOCKED". */
  override readonly code: string = "MIGRATION_BLOCKED";
}

/**
 * What a failed task left behind: the handler's error type, message and
 * stack. `code` is set when tq itself decided the failure (see
 * docs/errors.md), e.g. RESULT_NOT_STORABLE.
 */
export interface ErrorInfo {
  /** The `name` of the Error thrown ("TypeError"), or "NonErrorThrown" when something else was thrown. */
  type: string;
  /** The error's message, at most 8 KB. */
  message: string;
  /** The stack where it was thrown, in the worker's process, at most 8 KB; absent when there was none. */
  stack?: string;
  /** A tq error's code: set when tq decided the failure (RESULT_NOT_STORABLE...) or the handler threw one of tq's errors. */
  code?: string;
}

/**
 * A task failed; `get()` rejects with this. `name` is the handler's error
 * type (e.g. "TypeError") so callers can branch on it across processes.
 */
export class TaskFailed extends TqError {
  /** The task's id. */
  readonly taskId: string;
  /** The error type the handler threw. */
  readonly type: string;
  /** The stack where the handler threw, in the worker's process. */
  readonly remoteStack?: string;

  /** What tq decided, when it decided the failure (RESULT_NOT_STORABLE...); else TASK_FAILED. */
  override readonly code: string;

  /** Made by `get()` from the stored failure of task `taskId`. */
  constructor(taskId: string, info: ErrorInfo) {
    super(info.message);
    this.code = info.code ?? "TASK_FAILED";
    this.name = info.type;
    this.type = info.type;
    this.taskId = taskId;
    this.remoteStack = info.stack;
  }
}

/**
 * Turns anything a handler threw, including non-Errors, into stored error
 * info: storable (no NUL, no lone surrogate) and bounded, the message and
 * the stack at most 8 KB each, cuts marked.
 */
export function toErrorInfo(thrown: unknown): ErrorInfo {
  if (thrown instanceof Error) {
    const info: ErrorInfo = { type: boundedType(thrown.name || thrown.constructor?.name || "Error"), message: boundedText(String(thrown.message)) };
    if (thrown.stack) info.stack = boundedText(thrown.stack);
    const code = (thrown as { code?: unknown }).code;
    if (thrown instanceof TqError && typeof code === "string") info.code = code;
    return info;
  }
  let message: string;
  try {
    message = typeof thrown === "string" ? thrown : JSON.stringify(thrown) ?? String(thrown);
  } catch {
    message = String(thrown);
  }
  return { type: "NonErrorThrown", message: boundedText(`The handler threw a non-Error value: ${message}`) };
}
