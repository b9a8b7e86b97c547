/** One shared Ajv instance; schemas are compiled once each and reused. */
import AjvModule from "ajv";

// deno-lint-ignore no-explicit-any
const Ajv = ((AjvModule as any).default ?? AjvModule) as typeof AjvModule;

export const ajv = new Ajv({ allErrors: false, strict: false });

/** Ajv's errors as one readable sentence. */
// deno-lint-ignore no-explicit-any
export function describeErrors(errors: any[] | null | undefined): string {
  if (!errors?.length) return "unknown reason";
  return errors.map((e) => `${e.instancePath || "(root)"} ${e.message}`).join("; ");
}
