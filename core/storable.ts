/**
 * What PostgreSQL can store in a jsonb column, checked before anything is
 * written: JSON.stringify silently drops functions and symbols, turns a Map
 * into {}, and lets through the NUL character and lone UTF-16 surrogates,
 * which jsonb then refuses with an error that names neither the task nor
 * the value. Text tq writes itself (error messages, stacks) is made
 * storable and bounded instead of refused.
 */

/** The code of a failure whose result (or outcome) could not be stored. */
export const RESULT_NOT_STORABLE = "RESULT_NOT_STORABLE";

/** Why a value cannot be stored as JSON, and where in it. */
export interface StorableProblem {
  /** Where in the value, as `result.items[2].name`. */
  path: string;
  reason: string;
}

/** Longest error message, and longest stack, stored or shown: 8 KB of UTF-8 each. */
export const MAX_ERROR_TEXT_BYTES = 8 * 1024;

/** Longest error type name (the class name a handler threw). */
const MAX_ERROR_TYPE_CHARS = 200;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `text` cannot be stored in PostgreSQL, or undefined. */
export function textProblem(text: string): string | undefined {
  if (text.includes("\u0000")) return "a NUL character (\\u0000), which PostgreSQL cannot store in text or jsonb";
  if (LONE_SURROGATE.test(text)) return "a lone UTF-16 surrogate (half of a character), which is not valid Unicode";
  return undefined;
}

/**
 * The first part of `value` that cannot be stored as JSON in PostgreSQL, or
 * undefined when all of it can. Follows JSON.stringify: `toJSON` is used
 * (a Date becomes its ISO string), `undefined` in an object is left out and
 * in an array becomes null. Refused: functions, symbols, BigInt, Map, Set,
 * NaN and Infinity, cycles, and strings or keys with NUL or lone surrogates.
 */
export function storableProblem(value: unknown, path: string): StorableProblem | undefined {
  return check(value, path, new Set());
}

function check(value: unknown, path: string, open: Set<object>): StorableProblem | undefined {
  switch (typeof value) {
    case "string": {
      const reason = textProblem(value);
      return reason ? { path, reason: `a string with ${reason}` } : undefined;
    }
    case "number":
      return Number.isFinite(value) ? undefined : { path, reason: `${value}, which JSON has no number for` };
    case "boolean":
    case "undefined":
      return undefined;
    case "bigint":
      return { path, reason: "a BigInt (convert it to a string or a number)" };
    case "function":
      return { path, reason: "a function" };
    case "symbol":
      return { path, reason: "a Symbol" };
  }
  if (value === null) return undefined;
  const object = value as Record<string, unknown> & { toJSON?: () => unknown };
  if (typeof object.toJSON === "function") {
    let json: unknown;
    try {
      json = object.toJSON();
    } catch (error) {
      return { path, reason: `an object whose toJSON() threw: ${(error as Error)?.message ?? String(error)}` };
    }
    return json === object ? undefined : check(json, path, open);
  }
  if (value instanceof Map || value instanceof Set) {
    return { path, reason: `a ${value.constructor.name}, which JSON would turn into {} (convert it to an object or an array)` };
  }
  if (open.has(object)) return { path, reason: "a circular reference" };
  open.add(object);
  try {
    if (Array.isArray(object)) {
      for (let i = 0; i < object.length; i++) {
        const problem = check(object[i], `${path}[${i}]`, open);
        if (problem) return problem;
      }
      return undefined;
    }
    for (const key of Object.keys(object)) {
      const keyReason = textProblem(key);
      if (keyReason) return { path, reason: `an object with a key with ${keyReason}` };
      const problem = check(object[key], `${path}${propertyPath(key)}`, open);
      if (problem) return problem;
    }
    return undefined;
  } finally {
    open.delete(object);
  }
}

function propertyPath(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/**
 * `text` made storable and bounded: past `maxBytes` of UTF-8 it is cut at a
 * character boundary and marked with how much was left out; then NUL
 * becomes the visible text "\u0000" and a lone surrogate becomes U+FFFD.
 */
export function boundedText(text: string, maxBytes: number = MAX_ERROR_TEXT_BYTES): string {
  let kept = text;
  // A UTF-16 unit is 1 to 3 bytes of UTF-8: only long texts need measuring, and only their first maxBytes units.
  if (text.length * 3 > maxBytes) {
    const bytes = new TextEncoder().encode(text.slice(0, maxBytes));
    if (bytes.length > maxBytes || text.length > maxBytes) {
      let cut = Math.min(maxBytes, bytes.length);
      while (cut > 0 && (bytes[cut] & 0xc0) === 0x80) cut--; // not inside a character
      kept = new TextDecoder().decode(bytes.subarray(0, cut));
    }
  }
  const omitted = text.length - kept.length;
  if (kept.includes("\u0000")) kept = kept.replaceAll("\u0000", "\\u0000");
  if (LONE_SURROGATE.test(kept)) kept = kept.replace(new RegExp(LONE_SURROGATE.source, "g"), "\uFFFD");
  return omitted > 0 ? `${kept} … [truncated: ${omitted} more characters]` : kept;
}

/** An error type name made storable and at most 200 characters. */
export function boundedType(type: string): string {
  const clean = boundedText(type, MAX_ERROR_TYPE_CHARS * 3);
  return clean.length > MAX_ERROR_TYPE_CHARS ? clean.slice(0, MAX_ERROR_TYPE_CHARS) : clean;
}
