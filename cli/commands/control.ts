/** `tq control revoke|rate-limit`: steer running workers through the database. */
import { EXIT, UsageError } from "../errors.ts";
import { appFromOptions } from "../load_app.ts";
import { out } from "../output.ts";

export interface ControlFlags {
  app?: string;
  terminate?: boolean;
  cluster?: boolean;
  json?: boolean;
}

const REVOKE_WORDS = {
  revoked: "revoked: it will not run",
  signalled: "running: its worker was told",
  finished: "already finished: nothing to revoke",
  unknown: "unknown: no such task",
} as const;

export async function controlCommand(action: string, rest: string[], flags: ControlFlags): Promise<number> {
  if (action === "revoke") return revoke(rest, flags);
  if (action === "rate-limit") return rateLimit(rest, flags);
  throw new UsageError(`Unknown control command "${action}". Use "revoke ID... [--terminate]" or "rate-limit TASK RATE [--cluster]".`);
}

async function revoke(ids: string[], flags: ControlFlags): Promise<number> {
  if (ids.length === 0) throw new UsageError("tq control revoke needs at least one task id: tq control revoke ID [--terminate]");
  const { app } = await appFromOptions(flags);
  try {
    const outcomes = await app.control.revoke(ids.map(String), { terminate: flags.terminate === true });
    if (flags.json) out(JSON.stringify(outcomes));
    else for (const o of outcomes) out(`${o.id}: ${REVOKE_WORDS[o.outcome]}${o.worker ? ` (${o.worker})` : ""}`);
    return outcomes.some((o) => o.outcome === "unknown") ? EXIT.failure : EXIT.ok;
  } finally {
    await app.close();
  }
}

async function rateLimit(rest: string[], flags: ControlFlags): Promise<number> {
  const [task, rate] = rest.map(String);
  if (!task || rate === undefined) throw new UsageError('tq control rate-limit needs a task and a rate: tq control rate-limit TASK "10/s" (or "off")');
  const { app } = await appFromOptions(flags);
  try {
    const value = rate === "off" || rate === "none" ? null : rate;
    await app.control.rateLimit(task, value, { cluster: flags.cluster === true });
    const scope = flags.cluster ? "cluster-wide" : "per worker";
    out(value === null ? `Rate limit (${scope}) of ${task} removed; its option applies again.` : `Rate limit (${scope}) of ${task} set to ${value}.`);
    return EXIT.ok;
  } finally {
    await app.close();
  }
}
