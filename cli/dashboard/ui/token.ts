/**
 * The API token for actions. Kept in sessionStorage: it survives a reload
 * of the tab but not the browser session, and never reaches another site.
 */
import { createStore } from "./store.ts";

const KEY = "tq-dashboard-token";

function load(): string {
  try {
    return sessionStorage.getItem(KEY) ?? "";
  } catch {
    // Storage can be disabled (privacy settings); the token then lives in memory only.
    return "";
  }
}

/** The token entered by the user ("" when none). */
export const token = createStore<string>(load());

/**
 * Why the token field is shown: null when hidden, else the sentence to show
 * (the server answered 401, or the overview says a token is required).
 */
export const tokenPrompt = createStore<string | null>(null);

/** Stores a new token (or clears it with ""). */
export function setToken(value: string): void {
  const trimmed = value.trim();
  try {
    if (trimmed) sessionStorage.setItem(KEY, trimmed);
    else sessionStorage.removeItem(KEY);
  } catch {
    // See load().
  }
  token.set(trimmed);
}
