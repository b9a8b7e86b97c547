/**
 * What a message signature covers, and how it is written down.
 *
 * A signature is `tq1.<key id>.<marks>.<base64url Ed25519 signature>`, over
 * the bytes `tq1.<key id>.<marks>\n` and the message as canonical JSON
 * (keys sorted at every level: jsonb stores keys in its own order) without
 * `signature` and `retries`, which a retry raises. The marks name the parts
 * the database fills in after the sender signed, so they are left out of the
 * signed content; being signed themselves, they cannot be added later:
 *   c  a chord's callback: the database puts the members' results in front
 *      of its arguments (the first argument is not covered);
 *   d  a debounced send: the database gives it the id and root of the job it
 *      replaces (id and rootId are not covered; see docs/security.md).
 */
import type { Message } from "../message.ts";
import { fromBase64Url, toBase64Url } from "./keys.ts";

export const SIGNATURE_VERSION = "tq1";

/** Which parts of a message the database fills in after it was signed. */
export type SignatureMark = "c" | "d";

/** A signature taken apart. */
export interface SignatureParts {
  keyId: string;
  marks: SignatureMark[];
  signature: Uint8Array<ArrayBuffer>;
}

/** JSON with object keys sorted at every level, as JSON.stringify would write the values. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item) => {
    if (item === null || typeof item !== "object" || Array.isArray(item)) return item;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(item).sort()) sorted[key] = item[key];
    return sorted;
  });
}

/**
 * The bytes a signature with `keyId` and `marks` signs for `message`: as
 * the sender wrote it, or as a worker received it (`received`, a chord's
 * callback then has the results the database added in front of its args).
 */
export function signedBytes(message: Message, keyId: string, marks: SignatureMark[], received: boolean): Uint8Array<ArrayBuffer> {
  const { signature: _signature, retries: _retries, ...covered } = message;
  const content: Record<string, unknown> = covered;
  // Guarded: a worker checks signatures before the message's shape (prepareJob fails a malformed one).
  if (received && marks.includes("c") && Array.isArray(message.args)) content.args = message.args.slice(1);
  if (marks.includes("d")) {
    delete content.id;
    delete content.rootId;
  }
  return new TextEncoder().encode(`${header(keyId, marks)}\n${canonicalJson(content)}`);
}

function header(keyId: string, marks: SignatureMark[]): string {
  return `${SIGNATURE_VERSION}.${keyId}.${marks.length ? marks.join("") : "-"}`;
}

export function signatureText(keyId: string, marks: SignatureMark[], signature: Uint8Array): string {
  return `${header(keyId, marks)}.${toBase64Url(signature)}`;
}

/** Takes a signature text apart; undefined when it is not a tq signature. */
export function parseSignature(text: string): SignatureParts | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || parts[0] !== SIGNATURE_VERSION || !/^[0-9a-f]{16}$/.test(parts[1]) || !/^(-|c|d|cd)$/.test(parts[2])) return undefined;
  const signature = fromBase64Url(parts[3]);
  if (!signature || signature.length !== 64) return undefined;
  return { keyId: parts[1], marks: parts[2] === "-" ? [] : parts[2].split("") as SignatureMark[], signature };
}
