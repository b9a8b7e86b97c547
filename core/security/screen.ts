/**
 * A worker that verifies signatures (docs/security.md) screens each claim
 * before any of its jobs may start: every message's signature is checked,
 * and the ids of those that hold are looked up at once for an earlier run.
 * A job that fails the screen carries its rejection; prepareJob ends it
 * with that reason without running it.
 */
import type { Message } from "../message.ts";
import { messageReplayed, type MessageVerifier } from "./verifier.ts";
import type { ClaimedJob } from "../transport.ts";

export interface ScreenDeps {
  verifier(): Promise<MessageVerifier>;
  /** Of `ids`, those that ran before (Transport.signedSeen). */
  seen(ids: string[]): Promise<string[]>;
}

/** Marks each of `jobs` with its rejection, or with how long its id must be kept as run. */
export async function screenClaimed(jobs: ClaimedJob[], deps: ScreenDeps): Promise<void> {
  if (jobs.length === 0) return;
  const verifier = await deps.verifier();
  const now = Date.now();
  const verified: ClaimedJob[] = [];
  await Promise.all(jobs.map(async (job) => {
    // A job that is not run anyway is ended by prepareJob for that reason. The message's shape is
    // checked there too, before the rejection is read: this check only needs an object.
    if (job.revoke || job.expired || typeof job.message !== "object" || job.message === null) return;
    const message = job.message as Message;
    const error = await verifier.check(job.id, message, now);
    if (error) {
      job.rejection = { error, drop: false };
      return;
    }
    job.sealUntil = new Date(verifier.acceptedUntil(message)).toISOString();
    verified.push(job);
  }));
  if (verified.length === 0) return;
  const seen = new Set(await deps.seen(verified.map((job) => job.id)));
  for (const job of verified) {
    if (!seen.has(job.id)) continue;
    delete job.sealUntil;
    const task = (job.message as Message).task;
    job.rejection = { error: messageReplayed(`Job ${job.id} (task ${task}) already ran: this is a copy of its signed message.`), drop: true };
  }
}
