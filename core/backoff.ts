/**
 * How long a task waits before its next try: fixed or exponential with a
 * cap, with "full jitter" by default so that many tasks failing together do
 * not retry together.
 */

export type BackoffKind = "fixed" | "exponential";

export interface BackoffPolicy {
  kind: BackoffKind;
  /** The fixed delay, or the first delay of an exponential series. */
  baseMs: number;
  /** Exponential delays never exceed this. */
  maxMs: number;
  /** Pick uniformly in [delay/2, delay] rather than exactly delay. */
  jitter: boolean;
}

/**
 * The delay before retry number `retries + 1` (retries made so far: 0 for
 * the first retry). `random` is injectable for tests of the bounds.
 */
export function retryDelayMs(policy: BackoffPolicy, retries: number, random: () => number = Math.random): number {
  const raw = policy.kind === "fixed" ? policy.baseMs : Math.min(policy.maxMs, policy.baseMs * 2 ** retries);
  if (!policy.jitter) return raw;
  // Half fixed, half random: spreads retries out but never retries far sooner than asked.
  return Math.round(raw / 2 + random() * (raw / 2));
}
