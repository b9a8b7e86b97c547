/**
 * The one-line message after an action ("Retried 1 job", or the server's
 * error), shown in the header's live region so screen readers hear it too.
 */
import { createStore } from "./store.ts";

/** A message and whether it reports a failure. */
export interface Notice {
  text: string;
  error: boolean;
}

/** The message shown now, or null. */
export const notice = createStore<Notice | null>(null);

let timer: ReturnType<typeof setTimeout> | undefined;

/** Shows a message; successes fade after a few seconds, errors stay until the next. */
export function say(text: string, error = false): void {
  clearTimeout(timer);
  notice.set({ text, error });
  if (!error) timer = setTimeout(() => notice.set(null), 6000);
}
