/**
 * Signs the messages this process sends (docs/security.md): plain sends,
 * beat ticks, the first steps of a workflow, and what a worker sends when a
 * job ends (the next steps of a chain, callbacks, errbacks).
 */
import type { Launch } from "../canvas/launch.ts";
import type { Message } from "../message.ts";
import type { Completion } from "../transport.ts";
import { ED25519, importSigningKey, type SigningKey } from "./keys.ts";
import { type SignatureMark, signatureText, signedBytes } from "./signed_content.ts";

export class MessageSigner {
  private constructor(private readonly keyId: string, private readonly key: CryptoKey) {}

  /** Imports `key` (checking that its halves belong together). */
  static async create(key: SigningKey): Promise<MessageSigner> {
    return new MessageSigner(key.id, await importSigningKey(key));
  }

  /** Sets `message.signature`; `marks` name the parts the database fills in later. */
  async sign(message: Message, marks: SignatureMark[] = []): Promise<void> {
    delete message.signature;
    const bytes = signedBytes(message, this.keyId, marks, false);
    const signature = new Uint8Array(await crypto.subtle.sign(ED25519, this.key, bytes));
    message.signature = signatureText(this.keyId, marks, signature);
  }

  /** Signs each of `messages`. */
  async signAll(messages: Message[], marks: SignatureMark[] = []): Promise<void> {
    await Promise.all(messages.map((message) => this.sign(message, marks)));
  }

  /** Signs what starts a workflow step: its jobs, and its chords' callbacks (results go in front of their args). */
  async signLaunch(launch: Launch): Promise<void> {
    await Promise.all([
      ...launch.jobs.map((job) => this.sign(job.message)),
      ...launch.chords.map((chord) => this.sign(chord.callback, chord.immutable ? [] : ["c"])),
    ]);
  }

  /** Signs what a completion sends: errbacks and the workflow's next steps. */
  async signCompletion(completion: Completion): Promise<void> {
    await Promise.all([
      this.signAll(completion.followUps ?? []),
      completion.launch ? this.signLaunch(completion.launch) : undefined,
    ]);
  }
}
