/**
 * How many arguments a handler takes, read from the function itself, so a
 * call with too few or too many is refused before it is sent (or, sent by
 * name, before the handler runs) instead of running with `undefined`.
 *
 * `fn.length` counts the parameters before the first default or rest one:
 * that many are required. The most is read from the parameter list in the
 * function's source: a rest parameter, a use of `arguments`, or a source
 * that cannot be read (native or bound functions) leaves it open.
 * TypeScript's optional parameters (`b?: number`) are erased before tq sees
 * the function, so they count as required: give them a default instead.
 */

/** The fewest and the most arguments a handler takes; `max` undefined when any number more is fine. */
export interface Arity {
  /** Required parameters: those before the first default or rest parameter. */
  min: number;
  /** All parameters; undefined for a rest parameter, a use of `arguments` or an unreadable source. */
  max?: number;
}

// deno-lint-ignore ban-types
export function handlerArity(fn: Function): Arity {
  const min = fn.length;
  const params = parameterList(Function.prototype.toString.call(fn));
  if (params === undefined) return { min };
  if (params.some((p) => p.startsWith("..."))) return { min };
  return { min, max: Math.max(min, params.length) };
}

/**
 * The top-level parameters of a function's source, or undefined when they
 * cannot be known from it.
 */
function parameterList(source: string): string[] | undefined {
  if (source.includes("[native code]") || /\barguments\b/.test(source)) return undefined;
  const text = source.replace(/^async\s+/, "");
  // A one-parameter arrow without parentheses: `x => ...`.
  const bare = /^[A-Za-z_$][\w$]*\s*=>/.exec(text);
  if (bare) return [bare[0].replace(/\s*=>$/, "")];
  const open = text.indexOf("(");
  if (open < 0) return undefined;
  const close = matchingParen(text, open);
  if (close === undefined) return undefined;
  return splitTopLevel(text.slice(open + 1, close));
}

const OPENERS: Record<string, string> = { "(": ")", "[": "]", "{": "}" };

/** Index of the bracket closing the one at `open`, skipping strings, templates and comments. */
function matchingParen(text: string, open: number): number | undefined {
  const stack: string[] = [];
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'" || c === "`") {
      i = skipString(text, i);
      if (i < 0) return undefined;
    } else if (c === "/" && text[i + 1] === "*") {
      i = text.indexOf("*/", i + 2) + 1;
      if (i <= 0) return undefined;
    } else if (c === "/" && text[i + 1] === "/") {
      i = text.indexOf("\n", i);
      if (i < 0) return undefined;
    } else if (OPENERS[c]) {
      stack.push(OPENERS[c]);
    } else if (c === ")" || c === "]" || c === "}") {
      if (stack.pop() !== c) return undefined;
      if (stack.length === 0) return i;
    }
  }
  return undefined;
}

/** Index of the quote ending the string that starts at `start`, or -1. */
function skipString(text: string, start: number): number {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === quote) return i;
  }
  return -1;
}

/** Splits a parameter list at its top-level commas; comments are dropped, a trailing comma ignored. */
function splitTopLevel(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c === '"' || c === "'" || c === "`") {
      const end = skipString(list, i);
      current += list.slice(i, end + 1);
      i = end;
    } else if (c === "/" && (list[i + 1] === "*" || list[i + 1] === "/")) {
      const end = list[i + 1] === "*" ? list.indexOf("*/", i + 2) + 1 : list.indexOf("\n", i);
      i = end < 0 ? list.length : end;
    } else if (c === "," && depth === 0) {
      parts.push(current.trim());
      current = "";
    } else {
      if (OPENERS[c]) depth++;
      else if (c === ")" || c === "]" || c === "}") depth--;
      current += c;
    }
  }
  if (current.trim()) parts.push(current.trim());
  return parts.filter((p) => p.length > 0);
}
