/** Exit codes and how errors reach a person. */
import { ConfigError, DatabaseError, InvalidArguments, InvalidMessage, TaskNotRegistered, TqError } from "../mod.ts";
import { env } from "../core/runtime.ts";
import { err } from "./output.ts";

export const EXIT = {
  ok: 0,
  /** A task failed, or something else went wrong at run time. */
  failure: 1,
  /** Bad command line, option, module or task name: fix the call. */
  usage: 2,
  /** The database is unreachable or refused us. */
  database: 3,
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
}

/** Prints `error` for a person and returns the exit code it deserves. Stacks only with TQ_DEBUG=1. */
export function report(error: unknown): number {
  const e = error as Error;
  err(`tq: ${e?.message ?? String(error)}`);
  if (env("TQ_DEBUG") === "1" && e?.stack) err(e.stack);
  if (error instanceof DatabaseError) return EXIT.database;
  if (
    error instanceof UsageError || error instanceof ConfigError || error instanceof TaskNotRegistered ||
    error instanceof InvalidArguments || error instanceof InvalidMessage
  ) return EXIT.usage;
  if ((e as { name?: string })?.name === "CACError") return EXIT.usage;
  return EXIT.failure;
}
