/**
 * Steering a running system: revoking tasks and changing rate limits. The
 * database holds the truth (a revoked job is deleted or marked, a setting is
 * stored), and workers are told by notification, with their heartbeat as the
 * fallback, so a worker that was between connections still learns of it.
 */
import { ConfigError } from "./errors.ts";
import { parseRate, type Rate } from "./rate.ts";
import type { RevokeOutcome, Transport } from "./transport.ts";

export interface RevokeOptions {
  /** Also stop it if it is running: its signal aborts and it ends as REVOKED. */
  terminate?: boolean;
  /** Recorded as the REVOKED result's message. */
  reason?: string;
}

export interface RateLimitOptions {
  /** Change the cluster-wide limit instead of the per-worker one. */
  cluster?: boolean;
}

export class Control {
  readonly #transport: () => Promise<Transport>;
  readonly #resultTtlMs: () => number;

  constructor(transport: () => Promise<Transport>, resultTtlMs: () => number) {
    this.#transport = transport;
    this.#resultTtlMs = resultTtlMs;
  }

  /** Revokes tasks by id: a waiting one never runs; a running one is stopped when `terminate`. */
  async revoke(ids: string | string[], options: RevokeOptions = {}): Promise<RevokeOutcome[]> {
    const list = Array.isArray(ids) ? ids : [ids];
    for (const id of list) {
      if (!/^[0-9a-fA-F-]{36}$/.test(id)) throw new ConfigError(`Cannot revoke ${JSON.stringify(id)}: a task id is a UUID such as 1b4e28ba-2fa1-11d2-883f-0016d3cca427.`);
    }
    const transport = await this.#transport();
    return transport.jobRevoke(list, {
      terminate: options.terminate ?? false,
      reason: options.reason ?? (options.terminate ? "The task was revoked and terminated." : "The task was revoked before it ran."),
      resultTtlMs: this.#resultTtlMs(),
    });
  }

  /** Sets a task's rate limit in every worker, overriding its option; null goes back to the option. */
  async rateLimit(task: string, rate: Rate | null, options: RateLimitOptions = {}): Promise<void> {
    const text = rate === null ? null : parseRate(rate, options.cluster ? "clusterRateLimit" : "rateLimit").text;
    const transport = await this.#transport();
    await transport.taskSettingPut(task, options.cluster ? { clusterRateLimit: text } : { rateLimit: text });
  }
}
