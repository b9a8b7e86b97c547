/** The `--log-level` and `--log-format` flags of long-running commands. */
import { createLogger, type Logger, type LogLevel } from "../mod.ts";
import { UsageError } from "./errors.ts";

const LEVELS: LogLevel[] = ["debug", "info", "warn", "error", "silent"];

/** A logger for the flags; info and text unless told otherwise. */
export function loggerFromFlags(flags: { logLevel?: string; logFormat?: string }): Logger {
  const format = flags.logFormat ?? "text";
  if (format !== "text" && format !== "json") throw new UsageError(`--log-format must be "text" or "json", got "${format}".`);
  const level = (flags.logLevel ?? "info") as LogLevel;
  if (!LEVELS.includes(level)) throw new UsageError(`--log-level must be one of ${LEVELS.join(", ")}; got "${level}".`);
  return createLogger({ level, format });
}
