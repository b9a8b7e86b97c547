/** A flag that names a TCP port (`--port`, `--dashboard-port`, `--metrics-port`). */
import { UsageError } from "./errors.ts";

/** The port `value` names, `fallback` when it was not given; a UsageError naming `flag` when it is no port. */
export function portFlag(value: string | number | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--${flag} must be a TCP port (0 for any free one), got "${value}".`);
  return port;
}
