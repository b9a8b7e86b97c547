/**
 * `#/schedules`: beat's periodic schedules, when each fires next and what it
 * last sent, with pause and resume. Read again on each overview tick.
 */
import type { VNode } from "preact";
import { postAction } from "../api.ts";
import { ActionButton, Badge, ErrorNote, Loading, TableBox, Time, TimeBoth } from "../components.ts";
import { duration, shortId } from "../format.ts";
import { html } from "../html.ts";
import { useTick } from "../live.ts";
import { useResource } from "../resource.ts";
import { jobHref } from "../router.ts";
import type { ScheduleItem } from "../types.ts";

function spec(s: ScheduleItem): string {
  if (s.kind === "every") {
    const ms = Number(s.spec);
    return Number.isFinite(ms) ? `every ${duration(ms)}` : `every ${s.spec}`;
  }
  if (s.kind === "cron") return s.tz ? `${s.spec} (${s.tz})` : s.spec;
  return `at ${s.spec}`;
}

function ScheduleRow(props: { s: ScheduleItem; reload: () => void }): VNode {
  const s = props.s;
  const toggle = async () => {
    await postAction(`schedules/${encodeURIComponent(s.name)}/${s.enabled ? "pause" : "resume"}`);
    props.reload();
    return `Schedule ${s.name} ${s.enabled ? "paused" : "resumed"}.`;
  };
  return html`<tr>
    <th scope="row">${s.name}${s.problem ? html`<div class="error-line small" role="note">${s.problem}</div>` : null}</th>
    <td>${s.task}</td>
    <td class="mono small">${spec(s)}</td>
    <td class="wrap">${s.description ?? html`<span class="muted">—</span>`}</td>
    <td>${s.enabled ? html`<${TimeBoth} at=${s.nextRunAt} />` : html`<span class="muted">paused</span>`}</td>
    <td><${Time} at=${s.lastSentAt} />${s.lastJobId ? html` <a class="mono small" href=${jobHref(s.lastJobId)}>${shortId(s.lastJobId)}</a>` : null}</td>
    <td>${s.enabled ? html`<${Badge} text="enabled" kind="ok" />` : html`<${Badge} text="paused" kind="warn" />`}
      <span class="muted small"> ${s.source}</span></td>
    <td class="actions"><${ActionButton} label=${s.enabled ? "Pause" : "Resume"} run=${toggle} /></td>
  </tr>`;
}

/** The schedules page. */
export function SchedulesPage(): VNode {
  const tick = useTick();
  const res = useResource<{ items: ScheduleItem[] }>("schedules", tick);
  const items = res.data?.items;
  return html`<section>
    <h1>Schedules</h1>
    <${ErrorNote} text=${res.error} />
    ${!items
      ? res.error ? null : html`<${Loading} />`
      : items.length === 0
      ? html`<p class="muted">No schedule. Add one in <code>app.conf.beatSchedule</code> or with <code>tq beat add</code>.</p>`
      : html`<${TableBox} label="Schedules">
        <thead><tr>
          <th scope="col">Name</th><th scope="col">Task</th><th scope="col">When</th><th scope="col">Description</th>
          <th scope="col">Next</th><th scope="col">Last sent</th><th scope="col">State</th><th scope="col">Actions</th>
        </tr></thead>
        <tbody>${items.map((s) => html`<${ScheduleRow} key=${s.name} s=${s} reload=${res.reload} />`)}</tbody>
      <//>`}
  </section>`;
}
