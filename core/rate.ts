/**
 * Rate limits ("100/s", "10/m", "1000/h") and the token bucket that enforces
 * one inside a worker. The cluster-wide bucket has the same shape and lives
 * in the database.
 */
import { ConfigError } from "./errors.ts";

/** A rate such as "100/s", "10/m" or "1000/h"; a bare number is per second. */
export type Rate = string | number;

/** A parsed rate: tokens per millisecond and the burst a bucket may hold. */
export interface ParsedRate {
  perMs: number;
  capacity: number;
  /** The rate as written, for logs. */
  text: string;
}

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * The burst a bucket holds: a tenth of a second's worth, at least one token.
 * Celery's buckets hold one token; a little more lets a fast rate be served
 * by batches without letting a measured window exceed the rate by much.
 */
function capacityOf(perMs: number): number {
  return Math.max(1, Math.floor(perMs * 100));
}

/** Parses a rate; throws ConfigError naming `option` for anything else. */
export function parseRate(value: Rate, option = "rateLimit"): ParsedRate {
  const text = String(value).trim();
  const match = /^(\d+(?:\.\d+)?)\s*(?:\/\s*([smh]))?$/.exec(text);
  const count = match ? Number(match[1]) : NaN;
  if (!match || !(count > 0)) {
    throw new ConfigError(`Option "${option}" must be a rate such as "100/s", "10/m" or "1000/h", got ${JSON.stringify(value)}.`);
  }
  const perMs = count / UNIT_MS[match[2] ?? "s"];
  return { perMs, capacity: capacityOf(perMs), text };
}

/** A token bucket on the local clock (a worker's own limit, Celery's semantics). */
export class TokenBucket {
  readonly rate: ParsedRate;
  #tokens: number;
  #updated = performance.now();

  constructor(rate: ParsedRate) {
    this.rate = rate;
    this.#tokens = rate.capacity;
  }

  #refill(): void {
    const now = performance.now();
    this.#tokens = Math.min(this.rate.capacity, this.#tokens + (now - this.#updated) * this.rate.perMs);
    this.#updated = now;
  }

  /** Ms until a token is there; 0 when one is there now. */
  wait(): number {
    this.#refill();
    return this.#tokens >= 1 ? 0 : Math.ceil((1 - this.#tokens) / this.rate.perMs);
  }

  /** Takes one token: 0 when taken, else the ms until one will be there (nothing taken). */
  take(): number {
    const wait = this.wait();
    if (wait === 0) this.#tokens -= 1;
    return wait;
  }
}
