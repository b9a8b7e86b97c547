/**
 * The dashboard's actions (POST /api/...): retry a failed job, revoke a
 * waiting or running one, delete a finished one's result, pause and resume
 * schedules and queues. Each goes through the app's own API, as `tq retry`,
 * `tq control` and `tq beat` do; guard.ts decides who may call them.
 */
import type { App } from "../../mod.ts";

/** An action that does not apply to its target: answered 409 (or 404) with its message. */
export class Refused extends Error {
  constructor(message: string, readonly status: 404 | 409 = 409) {
    super(message);
  }
}

/** The actions of one app. */
export class Actions {
  constructor(private readonly app: App) {}

  async retry(id: string): Promise<{ retried: string[] }> {
    const retried = await this.app.retryFailed({ ids: [id] });
    if (retried.length === 0) throw new Refused(`Task ${id} is not a failed job kept for retry: only a FAILURE within failedTtl can be sent again.`);
    return { retried };
  }

  async revoke(id: string): Promise<{ outcome: string }> {
    const [outcome] = await this.app.control.revoke(id);
    if (outcome.outcome === "unknown") throw new Refused(`No job ${id} is waiting or running.`, 404);
    return { outcome: outcome.outcome };
  }

  /** Forgets a finished job's stored result; a job still queued or running must be revoked first. */
  async delete(id: string): Promise<{ deleted: true }> {
    const report = await this.app.inspect.job(id).catch(() => null);
    if (!report?.result) throw new Refused(`Task ${id} has no stored result to delete.`, 404);
    if (report.job) throw new Refused(`Task ${id} is ${report.job.state}: revoke it before deleting its result.`);
    await this.app.results.forget(id);
    return { deleted: true };
  }

  async schedule(name: string, enabled: boolean): Promise<{ ok: true }> {
    const changed = enabled ? await this.app.schedules.enable(name) : await this.app.schedules.disable(name);
    if (!changed) throw new Refused(`No schedule named "${name}".`, 404);
    return { ok: true };
  }

  async queue(name: string, paused: boolean): Promise<{ ok: true }> {
    if (paused) await this.app.control.pause({ queue: name });
    else await this.app.control.resume({ queue: name });
    return { ok: true };
  }
}
