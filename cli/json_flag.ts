/** Flags that take JSON (`--args`, `--kwargs`): parsed, and checked to be an array or an object. */
import { UsageError } from "./errors.ts";

export function parseJsonFlag(text: string, flag: string, kind: "array" | "object"): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--${flag} must be JSON: ${(error as Error).message}.`);
  }
  const ok = kind === "array" ? Array.isArray(value) : typeof value === "object" && value !== null && !Array.isArray(value);
  if (!ok) throw new UsageError(`--${flag} must be a JSON ${kind}, got ${text}.`);
  return value;
}
