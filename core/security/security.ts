/**
 * An app's message signing (docs/security.md), from its config: whether it
 * signs what it sends (`signingKey`) and whether its workers run signed
 * messages only (`verifyKeys`). Keys are imported once, on first use.
 */
import type { Launch } from "../canvas/launch.ts";
import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import type { Message } from "../message.ts";
import type { ClaimedJob, Completion, Transport } from "../transport.ts";
import { screenClaimed } from "./screen.ts";
import { MessageSigner } from "./signer.ts";
import type { SignatureMark } from "./signed_content.ts";
import { MessageVerifier } from "./verifier.ts";

/** What a worker adds to its claims and completions when it verifies or signs. */
export interface WorkerSecurity {
  screen?(jobs: ClaimedJob[]): Promise<void>;
  signCompletion?(completion: Completion): Promise<void>;
}

export class MessageSecurity {
  #signer?: Promise<MessageSigner>;
  #verifier?: Promise<MessageVerifier>;

  constructor(private readonly config: Pick<Config, "signingKey" | "verifyKeys" | "signatureMaxAgeMs">) {}

  /** True when this app signs what it sends. */
  get signs(): boolean {
    return this.config.signingKey !== undefined;
  }

  /** True when this app's workers run signed messages only. */
  get verifies(): boolean {
    return this.config.verifyKeys.length > 0;
  }

  #signerReady(): Promise<MessageSigner> {
    return (this.#signer ??= MessageSigner.create(this.config.signingKey!));
  }

  #verifierReady(): Promise<MessageVerifier> {
    return (this.#verifier ??= MessageVerifier.create(this.config.verifyKeys, this.config.signatureMaxAgeMs));
  }

  /** Imports the configured keys, so a damaged one fails the app's first use rather than a later send or claim. */
  async ready(): Promise<void> {
    if (this.signs) await this.#signerReady();
    if (this.verifies) await this.#verifierReady();
  }

  /** Signs `messages` when this app signs; `marks` name what the database fills in later. */
  async signMessages(messages: Message[], marks: SignatureMark[] = []): Promise<void> {
    if (this.signs) await (await this.#signerReady()).signAll(messages, marks);
  }

  /** Signs what starts a workflow when this app signs. */
  async signLaunch(launch: Launch): Promise<void> {
    if (this.signs) await (await this.#signerReady()).signLaunch(launch);
  }

  /** The hooks a worker of this app runs; none when it neither signs nor verifies. */
  forWorker(transport: () => Transport, logger: Logger): WorkerSecurity {
    const hooks: WorkerSecurity = {};
    if (this.verifies) {
      hooks.screen = (jobs) => screenClaimed(jobs, { verifier: () => this.#verifierReady(), seen: (ids) => transport().signedSeen(ids) });
      if (!this.signs) {
        logger.log("warn", "This worker verifies signatures but has no signing key: the chain steps, callbacks and errbacks it sends are unsigned, and workers that verify will refuse them. Set TQ_SIGNING_KEY too (docs/security.md).");
      }
    }
    if (this.signs) hooks.signCompletion = async (completion) => (await this.#signerReady()).signCompletion(completion);
    return hooks;
  }
}
