/** `tq purge QUEUE`: deletes the waiting jobs of a queue, after asking (or with --yes). */
import process from "node:process";
import { createInterface } from "node:readline/promises";
import { EXIT, UsageError } from "../errors.ts";
import { appFromOptions } from "../load_app.ts";
import { out } from "../output.ts";

export interface PurgeFlags {
  app?: string;
  yes?: boolean;
  json?: boolean;
}

export async function purgeCommand(queue: string, flags: PurgeFlags): Promise<number> {
  const { app } = await appFromOptions(flags);
  try {
    const waiting = await app.control.queued(String(queue));
    if (waiting === 0) {
      out(flags.json ? JSON.stringify({ queue: String(queue), deleted: 0 }) : `Queue ${queue} has no waiting jobs.`);
      return EXIT.ok;
    }
    if (!flags.yes) {
      if (!process.stdin.isTTY) throw new UsageError(`tq purge would delete ${waiting} waiting job(s) of queue ${queue}; pass --yes to confirm when not at a terminal.`);
      const prompt = createInterface({ input: process.stdin, output: process.stderr });
      const answer = await prompt.question(`Delete ${waiting} waiting job(s) of queue ${queue}? They cannot be recovered. [y/N] `);
      prompt.close();
      if (!/^y(es)?$/i.test(answer.trim())) {
        out(flags.json ? JSON.stringify({ queue: String(queue), deleted: 0 }) : "Nothing deleted.");
        return EXIT.failure;
      }
    }
    const purged = await app.control.purge(String(queue));
    out(flags.json ? JSON.stringify({ queue: String(queue), deleted: purged }) : `Deleted ${purged} waiting job(s) of queue ${queue}; running ones finish.`);
    return EXIT.ok;
  } finally {
    await app.close();
  }
}
