/**
 * The header on every page: navigation, the "Go to job" box, the stream's
 * state, the token field when actions need one, and the last action's
 * outcome.
 */
import type { VNode } from "preact";
import { useState } from "preact/hooks";
import { html } from "./html.ts";
import { JOB_BOX_ID } from "./keys.ts";
import { overview, streamOpen } from "./live.ts";
import { notice, say } from "./notice.ts";
import { href, JOB_ID, navigate, type Route } from "./router.ts";
import { useStore } from "./store.ts";
import { setToken, tokenPrompt } from "./token.ts";

const NAV: { path: string; label: string; active: (r: Route) => boolean }[] = [
  { path: "/", label: "Overview", active: (r) => r.page === "overview" },
  { path: "/workers", label: "Workers", active: (r) => r.page === "workers" },
  { path: "/jobs/active", label: "Active", active: (r) => r.page === "list" && r.list === "active" },
  { path: "/jobs/scheduled", label: "Scheduled", active: (r) => r.page === "list" && r.list === "scheduled" },
  { path: "/jobs/failed", label: "Failed", active: (r) => r.page === "list" && r.list === "failed" },
  { path: "/schedules", label: "Schedules", active: (r) => r.page === "schedules" },
];

function JobBox(): VNode {
  const [value, setValue] = useState("");
  const submit = (event: Event) => {
    event.preventDefault();
    const id = value.trim();
    if (!JOB_ID.test(id)) {
      say(`"${id}" is not a job id: paste the UUID that sending the job returned.`, true);
      return;
    }
    setValue("");
    (document.getElementById(JOB_BOX_ID) as HTMLInputElement | null)?.blur();
    navigate(`/jobs/${id.toLowerCase()}`);
  };
  return html`<form class="job-box" role="search" onSubmit=${submit}>
    <label class="visually-hidden" for=${JOB_BOX_ID}>Go to job</label>
    <input id=${JOB_BOX_ID} type="search" placeholder="Go to job id  ( / )" autocomplete="off" spellcheck="false"
      value=${value} onInput=${(e: Event) => setValue((e.target as HTMLInputElement).value)} />
  </form>`;
}

function TokenForm(props: { reason: string }): VNode {
  const [value, setValue] = useState("");
  const submit = (event: Event) => {
    event.preventDefault();
    setToken(value);
    tokenPrompt.set(null);
    say(value.trim() ? "Token saved for this tab: try the action again." : "Token cleared.");
  };
  return html`<form class="token-form" onSubmit=${submit}>
    <label for="token-input">${props.reason}</label>
    <input id="token-input" type="password" autocomplete="off" value=${value}
      onInput=${(e: Event) => setValue((e.target as HTMLInputElement).value)} />
    <button type="submit" class="button">Save token</button>
    <button type="button" class="button" onClick=${() => tokenPrompt.set(null)}>Not now</button>
  </form>`;
}

function Live(): VNode {
  const open = useStore(streamOpen);
  return html`<span class=${open ? "live live-on" : "live live-off"} data-testid="live" role="status"
    title=${open ? "Live updates are on" : "Live updates are off: reconnecting"}>${open ? "live" : "offline"}</span>`;
}

/** The page header for the current route. */
export function Header(props: { route: Route }): VNode {
  const reason = useStore(tokenPrompt);
  const said = useStore(notice);
  const readOnly = useStore(overview)?.readOnly ?? false;
  return html`<header class="top">
    <a class="skip" href="#main" onClick=${(e: Event) => (e.preventDefault(), document.getElementById("main")?.focus())}>Skip to content</a>
    <div class="bar">
      <a class="brand" href=${href("/")}>tq</a>
      <nav aria-label="Pages">
        ${NAV.map((n) => html`<a href=${href(n.path)} aria-current=${n.active(props.route) ? "page" : undefined}>${n.label}</a>`)}
      </nav>
      <div class="bar-end">
        ${readOnly ? html`<span class="badge badge-warn" title="The server was started read-only: no actions">read-only</span>` : null}
        <${Live} />
        <${JobBox} />
      </div>
    </div>
    ${reason === null ? null : html`<${TokenForm} reason=${reason} />`}
    <div class=${said?.error ? "notice notice-error" : "notice"} role="status" aria-live="polite">${said?.text ?? ""}</div>
  </header>`;
}
