/**
 * Checks the signature of a received message (docs/security.md): signed by
 * one of the verify keys, unchanged since, for the job that carries it, and
 * not older than the maximum age. Whether its id already ran is the
 * screen's question (core/security/screen.ts), asked for a whole claim at once.
 */
import type { ErrorInfo } from "../errors.ts";
import type { Message } from "../message.ts";
import { ED25519, importVerifyKey, type VerifyKey } from "./keys.ts";
import { parseSignature, signedBytes } from "./signed_content.ts";

/** Why a message is not run: a bad signature, or a message that is not new. */
export function signatureInvalid(message: string): ErrorInfo {
  return { type: "SignatureInvalid", code: "SIGNATURE_INVALID", message: `${message} It was not run (docs/security.md).` };
}

export function messageReplayed(message: string): ErrorInfo {
  return { type: "MessageReplayed", code: "MESSAGE_REPLAYED", message: `${message} It was not run (docs/security.md).` };
}

export class MessageVerifier {
  private constructor(private readonly keys: Map<string, CryptoKey>, readonly maxAgeMs: number) {}

  static async create(keys: VerifyKey[], maxAgeMs: number): Promise<MessageVerifier> {
    const imported = new Map<string, CryptoKey>();
    for (const key of keys) imported.set(key.id, await importVerifyKey(key));
    return new MessageVerifier(imported, maxAgeMs);
  }

  /** When a message sent (or due) at `message`'s time stops being accepted. */
  acceptedUntil(message: Message): number {
    return startOf(message) + this.maxAgeMs;
  }

  /** Why the message of job `jobId` must not run, or undefined when its signature holds. */
  async check(jobId: string, message: Message, now: number): Promise<ErrorInfo | undefined> {
    if (typeof message.signature !== "string") return signatureInvalid(`The message of job ${jobId} (task ${message.task}) is not signed, and this worker accepts signed messages only.`);
    const parts = parseSignature(message.signature);
    if (!parts) return signatureInvalid(`The signature of job ${jobId} (task ${message.task}) is not a tq signature.`);
    const key = this.keys.get(parts.keyId);
    if (!key) {
      return signatureInvalid(`Job ${jobId} (task ${message.task}) is signed with key ${parts.keyId}, which is not among this worker's verify keys (${[...this.keys.keys()].join(", ")}).`);
    }
    const bytes = signedBytes(message, parts.keyId, parts.marks, true);
    if (!(await crypto.subtle.verify(ED25519, key, parts.signature, bytes))) {
      return signatureInvalid(`The message of job ${jobId} (task ${message.task}) does not match its signature: it was changed after it was signed.`);
    }
    // A debounced message takes the id of the job it replaced, so only its age guards it (docs/security.md).
    if (!parts.marks.includes("d") && message.id !== jobId) {
      return messageReplayed(`Job ${jobId} carries the signed message of job ${message.id}: a copy.`);
    }
    if (now > this.acceptedUntil(message)) {
      return messageReplayed(`The message of job ${jobId} (task ${message.task}) was sent at ${message.sentAt}, longer ago than the signature's maximum age of ${Math.round(this.maxAgeMs / 1000)} s.`);
    }
    return undefined;
  }
}

/** When a message was meant to run: its ETA, else when it was sent. */
function startOf(message: Message): number {
  const sent = Date.parse(message.sentAt);
  const eta = message.eta ? Date.parse(message.eta) : NaN;
  return Math.max(Number.isNaN(sent) ? 0 : sent, Number.isNaN(eta) ? 0 : eta);
}
