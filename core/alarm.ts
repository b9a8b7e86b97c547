/**
 * A sleep that can be cut short: a loop waits with `sleep(ms)`, and anything
 * that makes waiting pointless (a notification, a stop) calls `wake()`.
 */
export class Alarm {
  #wake?: () => void;

  /** Resolves after `ms`, or at the next wake(), whichever comes first. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }

  /** Ends the current sleep now; does nothing when none is running. */
  wake(): void {
    this.#wake?.();
  }
}
