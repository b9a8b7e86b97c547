/**
 * Exit codes and how errors reach a person and a script. The table is
 * documented in docs/cli.md, and a test compares the two.
 */
import {
  ConfigError,
  DatabaseError,
  InvalidArguments,
  InvalidMessage,
  NotFound,
  NotInstalled,
  ResultTimeout,
  SchemaIncompatible,
  TaskNotRegistered,
  TqError,
} from "../mod.ts";
import { env } from "../core/runtime.ts";
import { err, out } from "./output.ts";

/** What `tq` exits with; the same for every command. */
export const EXIT = {
  ok: 0,
  /** A task failed, or something else went wrong at run time. */
  failure: 1,
  /** Bad command line, option, module, task name or arguments: fix the call. */
  usage: 2,
  /** The database is unreachable or refused us. */
  database: 3,
  /** `tq call --wait --timeout` ran out before the task finished. */
  timeout: 4,
  /** An id (or schedule name) that the database has no trace of. */
  notFound: 5,
  /** tq's tables are not in this database and schema; only read-only commands say this, as they create nothing. */
  notInstalled: 6,
  /**
   * This tq cannot use the database's schema now: a newer tq changed it
   * incompatibly (upgrade this tq), or a migration that older workers cannot
   * survive waits for them to stop (start again once they are gone).
   */
  schema: 7,
  /**
   * `tq worker` stopped, but only after handing running jobs back to their
   * queue (the grace ran out, or a second signal): they run again elsewhere.
   * 75 is EX_TEMPFAIL, "try again later".
   */
  handedBack: 75,
} as const;

/** A usage problem found by the CLI itself. */
export class UsageError extends TqError {
  override name = "UsageError";
  override readonly code: string = "USAGE_INVALID";
}

/** The code of an error that is not tq's own (a bug, or something the runtime threw). */
export const UNEXPECTED_CODE = "UNEXPECTED";

/** The exit code `error` deserves. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof DatabaseError) return EXIT.database;
  if (error instanceof ResultTimeout) return EXIT.timeout;
  if (error instanceof NotFound) return EXIT.notFound;
  if (error instanceof NotInstalled) return EXIT.notInstalled;
  if (error instanceof SchemaIncompatible) return EXIT.schema;
  if (
    error instanceof UsageError || error instanceof ConfigError || error instanceof TaskNotRegistered ||
    error instanceof InvalidArguments || error instanceof InvalidMessage || isCacError(error)
  ) return EXIT.usage;
  return EXIT.failure;
}

/** cac's own parse errors (unknown option, missing value): usage errors. */
function isCacError(error: unknown): boolean {
  return (error as { name?: string })?.name === "CACError";
}

/** The stable code of `error`, as scripts see it in `--json` output. */
export function errorCodeOf(error: unknown): string {
  if (error instanceof TqError) return error.code;
  if (isCacError(error)) return "USAGE_INVALID";
  return UNEXPECTED_CODE;
}

/** What `--json` prints on stdout when a command fails. */
export interface JsonFailure {
  error: { code: string; type: string; message: string };
  exit: number;
}

/**
 * Reports `error` and returns its exit code: the message on stderr for a
 * person (stacks only with TQ_DEBUG=1), and with `json` one JSON object on
 * stdout, so a script always gets JSON.
 */
export function report(error: unknown, options: { json?: boolean } = {}): number {
  const e = error as Error;
  const message = e?.message ?? String(error);
  const exit = exitCodeOf(error);
  err(`tq: ${message}`);
  if (env("TQ_DEBUG") === "1" && e?.stack) err(e.stack);
  if (options.json) {
    const type = isCacError(error) ? "UsageError" : e?.name ?? typeof error;
    const failure: JsonFailure = { error: { code: errorCodeOf(error), type, message }, exit };
    out(JSON.stringify(failure));
  }
  return exit;
}
