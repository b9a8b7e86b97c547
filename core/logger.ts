/**
 * The injected logger (STYLE.md 7). The library logs through it and never
 * writes to stdout; the CLI picks the level and the format.
 */

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

/** Structured fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/** What tq logs through. Supply your own to route tq's logs elsewhere. */
export interface Logger {
  /** Writes one record: `message`, with `fields` as structured data. */
  log(level: Exclude<LogLevel, "silent">, message: string, fields?: LogFields): void;
  /** Whether `level` would be written; lets hot paths skip building a line nobody reads. Assumed true when absent. */
  enabled?(level: Exclude<LogLevel, "silent">): boolean;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** Options of `createLogger()`. */
export interface ConsoleLoggerOptions {
  /** The least severe level written; "warn" by default. */
  level?: LogLevel;
  /** "text": `time level message key=value`; "json": one JSON object a line. */
  format?: "text" | "json";
  /** Where lines go; stderr by default. */
  write?: (line: string) => void;
}

function formatValue(value: unknown): string {
  const text = typeof value === "string" ? value : Array.isArray(value) ? value.join(",") : JSON.stringify(value);
  return /[\s"=]/.test(text ?? "") ? JSON.stringify(text) : String(text);
}

/** A logger writing one line per record, filtered by level. */
export function createLogger(options: ConsoleLoggerOptions = {}): Logger {
  const threshold = RANK[options.level ?? "warn"];
  const format = options.format ?? "text";
  const write = options.write ?? ((line: string) => console.error(line));
  return {
    enabled: (level) => RANK[level] >= threshold,
    log(level, message, fields = {}) {
      if (RANK[level] < threshold) return;
      const time = new Date().toISOString();
      if (format === "json") {
        write(JSON.stringify({ time, level, msg: message, ...fields }));
        return;
      }
      const pairs = Object.entries(fields).map(([k, v]) => `${k}=${formatValue(v)}`).join(" ");
      write(`${time} ${level.toUpperCase().padEnd(5)} ${message}${pairs ? " " + pairs : ""}`);
    },
  };
}
