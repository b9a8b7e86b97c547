/** `tq retry ID... | --all-failed [--task NAME]`: sends failed jobs again. */
import { EXIT, UsageError } from "../errors.ts";
import { appFromOptions } from "../load_app.ts";
import { out } from "../output.ts";

export interface RetryFlags {
  app?: string;
  allFailed?: boolean;
  task?: string;
  json?: boolean;
}

export async function retryCommand(ids: string[], flags: RetryFlags): Promise<number> {
  if (ids.length === 0 && !flags.allFailed) throw new UsageError("tq retry needs task ids or --all-failed (optionally with --task NAME).");
  if (ids.length > 0 && flags.allFailed) throw new UsageError("Give either task ids or --all-failed, not both.");
  for (const id of ids) {
    if (!/^[0-9a-fA-F-]{36}$/.test(String(id))) throw new UsageError(`"${id}" is not a task id (a UUID).`);
  }
  const { app } = await appFromOptions(flags);
  try {
    const requeued = await app.retryFailed({ ids: ids.map(String), task: flags.task, all: flags.allFailed === true });
    const missing = ids.filter((id) => !requeued.includes(String(id).toLowerCase()));
    if (!flags.json) for (const id of requeued) out(id);
    if (missing.length) {
      // With --json the error is the one object printed, so it names the ids that were sent again too.
      const sent = requeued.length ? ` The others were sent again: ${requeued.join(", ")}.` : "";
      throw new UsageError(`Not failed (or no longer kept): ${missing.join(", ")}. Only failed jobs within "failedTtl" can be retried.${sent}`);
    }
    if (flags.json) out(JSON.stringify({ requeued }));
    else if (requeued.length === 0) out("No failed jobs matched.");
    return EXIT.ok;
  } finally {
    await app.close();
  }
}
