/**
 * The dashboard's entry point, bundled by scripts/build_dashboard.ts into
 * cli/dashboard/_assets.ts. Counts page loads in `window.__tqLoads` so the
 * browser test can tell that moving between pages never reloaded.
 */
// First: before uPlot's module reads navigator.language.
import "./locale_guard.ts";
import { render } from "preact";
import { App } from "./app.ts";
import { html } from "./html.ts";
import { installShortcuts } from "./keys.ts";
import { startLive } from "./live.ts";

declare global {
  var __tqLoads: number | undefined;
}

// globalThis is window here. Set once per page load: a reload starts again at 1.
globalThis.__tqLoads = (globalThis.__tqLoads || 0) + 1;

const root = document.getElementById("app");
if (root) {
  startLive();
  installShortcuts();
  render(html`<${App} />`, root);
}
