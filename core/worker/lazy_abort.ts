/**
 * An AbortController made only when someone reads its signal. Most handlers
 * never look at their signal, and creating a controller per job showed as 3%
 * of a worker's CPU draining no-op jobs.
 */
export class LazyAbort {
  #controller?: AbortController;
  #aborted = false;
  #reason: unknown;

  /** The signal, created (already aborted, if abort() came first) on first read. */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}
