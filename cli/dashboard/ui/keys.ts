/**
 * Keyboard shortcuts, as on GitHub: `/` focuses the job box, `g` then a
 * letter goes to a page. Keys typed into a field are left alone, and Escape
 * leaves the field.
 */
import { navigate } from "./router.ts";

/** The pages `g` + letter goes to, also listed in the footer. */
export const GO_KEYS: Record<string, { path: string; label: string }> = {
  o: { path: "/", label: "overview" },
  w: { path: "/workers", label: "workers" },
  a: { path: "/jobs/active", label: "active" },
  s: { path: "/jobs/scheduled", label: "scheduled" },
  f: { path: "/jobs/failed", label: "failed" },
  c: { path: "/schedules", label: "schedules" },
};

/** The id of the "Go to job" input, focused by `/`. */
export const JOB_BOX_ID = "job-box";

/** How long after `g` its second key counts. */
const CHORD_MS = 1500;

/** Listens for the shortcuts on the whole page; called once by main. */
export function installShortcuts(): void {
  let gAt = 0;
  addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target as HTMLElement | null;
    if (target?.closest?.("input, textarea, select, [contenteditable]")) {
      if (event.key === "Escape") target.blur();
      return;
    }
    if (event.key === "/") {
      event.preventDefault();
      document.getElementById(JOB_BOX_ID)?.focus();
      return;
    }
    if (event.key === "g" && !gAt) {
      gAt = Date.now();
      return;
    }
    const go = gAt && Date.now() - gAt < CHORD_MS ? GO_KEYS[event.key] : undefined;
    gAt = 0;
    if (go) {
      event.preventDefault();
      navigate(go.path);
    }
  });
}
