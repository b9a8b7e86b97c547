/**
 * A Lamport logical clock. Every message carries the sender's value; a
 * receiver moves its own clock past it, so causally related events across
 * processes are ordered even when wall clocks disagree.
 */
export class LamportClock {
  #value: number;

  /** Starts at `initial` (0 by default). */
  constructor(initial = 0) {
    this.#value = initial;
  }

  /** The current value, without ticking. */
  get value(): number {
    return this.#value;
  }

  /** Ticks for a local event (such as sending a message) and returns the new value. */
  forward(): number {
    return ++this.#value;
  }

  /** Merges a value seen on a received message: max(local, remote) + 1. */
  adjust(remote: number): number {
    this.#value = Math.max(this.#value, Number.isFinite(remote) ? remote : 0) + 1;
    return this.#value;
  }
}
