/**
 * Ed25519 keys for message signing, as text a user can put in an
 * environment variable: a signing key `tqsk1_…` (the 32-byte private seed
 * and the 32-byte public key, base64url) and a verify key `tqpk1_…` (the
 * public key). The prefixes make a key given in the wrong place fail with a
 * clear error. No error here ever contains the key itself.
 */
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { ConfigError } from "../errors.ts";

const SIGNING_PREFIX = "tqsk1_";
const VERIFY_PREFIX = "tqpk1_";
/** RFC 8410: the DER of a PKCS #8 Ed25519 private key is this header followed by the 32-byte seed. */
const PKCS8_ED25519_HEADER = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);
export const ED25519 = { name: "Ed25519" } as const;

/** A verify key, decoded: its raw public key and the id signatures name it by. */
export interface VerifyKey {
  /** First 8 bytes of the SHA-256 of the public key, hex: the id a signature names its key by. */
  id: string;
  /** The raw 32-byte Ed25519 public key. */
  publicKey: Uint8Array<ArrayBuffer>;
}

/** A signing key, decoded. Its private half is in a private field: logging or serialising it shows only the id. */
export class SigningKey implements VerifyKey {
  /** The id of its key pair: the verify key's. */
  readonly id: string;
  /** The public half: what the verify key holds. */
  readonly publicKey: Uint8Array<ArrayBuffer>;
  readonly #seed: Uint8Array<ArrayBuffer>;
  /** From its decoded halves; use the `signingKey` option (or TQ_SIGNING_KEY) rather than this. */
  constructor(id: string, seed: Uint8Array<ArrayBuffer>, publicKey: Uint8Array<ArrayBuffer>) {
    this.id = id;
    this.#seed = seed;
    this.publicKey = publicKey;
  }
  /** The 32-byte private seed. */
  seed(): Uint8Array<ArrayBuffer> {
    return this.#seed;
  }
  /** Only the id: a config written to a log or a report shows no secret. */
  toJSON(): { id: string } {
    return { id: this.id };
  }
}

export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64url");
}

/** The bytes of base64url `text`; undefined when it has other characters (Buffer would skip them). */
export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  return /^[A-Za-z0-9_-]*$/.test(text) ? new Uint8Array(Buffer.from(text, "base64url")) : undefined;
}

function keyIdOf(publicKey: Uint8Array): string {
  return createHash("sha256").update(publicKey).digest("hex").slice(0, 16);
}

/** Decodes a signing key given as option or variable `source`; throws ConfigError without echoing it. */
export function parseSigningKey(text: unknown, source: string): SigningKey {
  const make = `Make a key pair with \`tq keys generate\`.`;
  if (typeof text !== "string") throw new ConfigError(`${source} must be a signing key string ("${SIGNING_PREFIX}…"), got ${typeof text}. ${make}`);
  if (text.startsWith(VERIFY_PREFIX)) throw new ConfigError(`${source} holds a verify key ("${VERIFY_PREFIX}…"); it needs the signing key ("${SIGNING_PREFIX}…") of the pair. ${make}`);
  const bytes = text.startsWith(SIGNING_PREFIX) ? fromBase64Url(text.slice(SIGNING_PREFIX.length)) : undefined;
  if (!bytes || bytes.length !== 64) throw new ConfigError(`${source} is not a tq signing key: it must be "${SIGNING_PREFIX}" followed by 86 base64url characters (the value is not shown). ${make}`);
  const publicKey = bytes.slice(32);
  return new SigningKey(keyIdOf(publicKey), bytes.slice(0, 32), publicKey);
}

/** Decodes one verify key; throws ConfigError without echoing a signing key given by mistake. */
export function parseVerifyKey(text: unknown, source: string): VerifyKey {
  if (typeof text === "string" && text.startsWith(SIGNING_PREFIX)) {
    throw new ConfigError(`${source} holds a signing key ("${SIGNING_PREFIX}…", a secret; it is not shown): workers verify with the verify key ("${VERIFY_PREFIX}…") of the pair. Run \`tq keys public\` with the signing key in TQ_SIGNING_KEY to print it.`);
  }
  const bytes = typeof text === "string" && text.startsWith(VERIFY_PREFIX) ? fromBase64Url(text.slice(VERIFY_PREFIX.length)) : undefined;
  if (!bytes || bytes.length !== 32) {
    // Not echoed: a secret pasted into the wrong variable must not reach a log.
    const got = typeof text === "string" ? `a ${text.length}-character value` : typeof text;
    throw new ConfigError(`${source} must be a tq verify key: "${VERIFY_PREFIX}" followed by 43 base64url characters, got ${got} (not shown). Print a signing key's verify key with \`tq keys public\`.`);
  }
  return { id: keyIdOf(bytes), publicKey: bytes };
}

/** Verify keys from an option (a list, or one string with keys separated by commas or spaces). */
export function parseVerifyKeys(value: unknown, source: string): VerifyKey[] {
  const list = typeof value === "string" ? value.split(/[\s,]+/).filter(Boolean) : value;
  if (!Array.isArray(list) || list.length === 0) {
    throw new ConfigError(`${source} must list one or more verify keys ("${VERIFY_PREFIX}…"), as an array or separated by commas.`);
  }
  return list.map((key, i) => parseVerifyKey(key, `${source} (key ${i + 1})`));
}

/** The text of a verify key. */
export function verifyKeyText(publicKey: Uint8Array): string {
  return VERIFY_PREFIX + toBase64Url(publicKey);
}

/** A new key pair, as the texts `tq keys generate` prints: the signing key is a secret, the verify key is not. */
export async function generateKeyPair(): Promise<{ signingKey: string; verifyKey: string; keyId: string }> {
  const pair = await crypto.subtle.generateKey(ED25519, true, ["sign", "verify"]) as CryptoKeyPair;
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  const publicKey = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  const seed = pkcs8.slice(PKCS8_ED25519_HEADER.length);
  const both = new Uint8Array(64);
  both.set(seed);
  both.set(publicKey, 32);
  return { signingKey: SIGNING_PREFIX + toBase64Url(both), verifyKey: verifyKeyText(publicKey), keyId: keyIdOf(publicKey) };
}

/** The WebCrypto key that signs with `key`; checks that its two halves belong together. */
export async function importSigningKey(key: SigningKey): Promise<CryptoKey> {
  const pkcs8 = new Uint8Array(PKCS8_ED25519_HEADER.length + 32);
  pkcs8.set(PKCS8_ED25519_HEADER);
  pkcs8.set(key.seed(), PKCS8_ED25519_HEADER.length);
  const privateKey = await crypto.subtle.importKey("pkcs8", pkcs8, ED25519, false, ["sign"]);
  const probe = new TextEncoder().encode("tq key check");
  const signature = await crypto.subtle.sign(ED25519, privateKey, probe);
  if (!(await crypto.subtle.verify(ED25519, await importVerifyKey(key), signature, probe))) {
    throw new ConfigError(`The signing key is damaged: its private and public halves do not belong together (the key is not shown). Make a new pair with \`tq keys generate\`.`);
  }
  return privateKey;
}

/** The WebCrypto key that verifies with `key`. */
export function importVerifyKey(key: VerifyKey): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", key.publicKey, ED25519, false, ["verify"]);
}
