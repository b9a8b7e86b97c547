/** "Did you mean" for mistyped commands, subcommands and options. */
import { nearest } from "../core/close_names.ts";

/** `Unknown <what> "<word>"`, and `: did you mean "<nearest>"?` when one is near. */
export function unknownMessage(what: string, word: string, candidates: Iterable<string>): string {
  const match = nearest(word, candidates);
  return `Unknown ${what} "${word}"${match === undefined ? "." : `: did you mean "${match}"?`}`;
}
