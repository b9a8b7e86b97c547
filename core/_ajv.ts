/** One shared Ajv instance; schemas are compiled once each and reused. */
import { Ajv } from "ajv";

export const ajv = new Ajv({ allErrors: false, strict: false });

/** Ajv's errors as one readable sentence. */
export function describeErrors(errors: { instancePath?: string; message?: string }[] | null | undefined): string {
  if (!errors?.length) return "unknown reason";
  return errors.map((e) => `${e.instancePath || "(root)"} ${e.message}`).join("; ");
}
