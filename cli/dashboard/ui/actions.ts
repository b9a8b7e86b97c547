/**
 * The job actions, shared by the job page and the failed list. Each returns
 * the sentence to show when it worked; the server's error is thrown on.
 */
import { postAction } from "./api.ts";
import { shortId } from "./format.ts";

function path(id: string, action: string): string {
  return `jobs/${encodeURIComponent(id)}/${action}`;
}

/** Runs a failed job again. */
export async function retryJob(id: string): Promise<string> {
  const { retried } = await postAction<{ retried: string[] }>(path(id, "retry"));
  if (!retried?.length) return `Job ${shortId(id)} was not retried (it is no longer failed).`;
  return retried.length === 1 && retried[0] === id ? `Job ${shortId(id)} sent again.` : `Sent again as ${retried.map(shortId).join(", ")}.`;
}

/** Revokes a queued or running job. */
export async function revokeJob(id: string): Promise<string> {
  const { outcome } = await postAction<{ outcome: string }>(path(id, "revoke"));
  return `Revoke of ${shortId(id)}: ${outcome}.`;
}

/** Forgets a finished job's stored result. */
export async function deleteJob(id: string): Promise<string> {
  await postAction<{ deleted: boolean }>(path(id, "delete"));
  return `Result of ${shortId(id)} deleted.`;
}
