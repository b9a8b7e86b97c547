/**
 * Small pieces the pages share: badges, times, JSON blocks, progress bars,
 * scrolling tables and action buttons.
 */
import type { ComponentChildren, VNode } from "preact";
import { useState } from "preact/hooks";
import { errorText } from "./api.ts";
import { absolute, pretty, relative } from "./format.ts";
import { html } from "./html.ts";
import { overview } from "./live.ts";
import { say } from "./notice.ts";
import { useStore } from "./store.ts";

/** A job state or other status word, colored by its meaning. */
export function Badge(props: { text: string; kind?: string; testid?: string }): VNode {
  const kind = props.kind ?? props.text.toLowerCase();
  return html`<span class=${`badge badge-${kind}`} data-testid=${props.testid}>${props.text}</span>`;
}

/** A time as "3 min ago", with the exact time on hover and for machines. */
export function Time(props: { at: string | null | undefined }): VNode {
  if (!props.at) return html`<span class="muted">—</span>`;
  return html`<time datetime=${props.at} title=${absolute(props.at)}>${relative(props.at)}</time>`;
}

/** A time as "in 3 min (2025-05-01 14:03:09)": both forms, for schedules and job times. */
export function TimeBoth(props: { at: string | null | undefined }): VNode {
  if (!props.at) return html`<span class="muted">—</span>`;
  return html`<time datetime=${props.at}>${relative(props.at)} <span class="muted">(${absolute(props.at)})</span></time>`;
}

/** JSON, indented, in a block that scrolls instead of widening the page. */
export function Json(props: { value: unknown }): VNode {
  return html`<pre class="json">${pretty(props.value)}</pre>`;
}

/** The fraction done that a task's progress meta states, if it states one. */
export function progressOf(meta: unknown): number | null {
  if (!meta || typeof meta !== "object") return null;
  const m = meta as Record<string, unknown>;
  if (typeof m.progress === "number" && m.progress >= 0 && m.progress <= 1) return m.progress;
  if (typeof m.current === "number" && typeof m.total === "number" && m.total > 0) {
    return Math.min(1, Math.max(0, m.current / m.total));
  }
  return null;
}

/** A progress bar with its percentage, for a fraction in 0..1. */
export function ProgressBar(props: { fraction: number }): VNode {
  const percent = Math.round(props.fraction * 100);
  return html`<div class="progress">
    <progress max="100" value=${percent} aria-label="Progress">${percent}%</progress>
    <span>${percent}%</span>
  </div>`;
}

/** A table in a box that scrolls sideways on a narrow screen. */
export function TableBox(props: { children: ComponentChildren; label: string; testid?: string }): VNode {
  return html`<div class="table-box" role="region" aria-label=${props.label} tabindex="0">
    <table data-testid=${props.testid}>${props.children}</table>
  </div>`;
}

/** A failure to read data, in words. */
export function ErrorNote(props: { text: string | null }): VNode | null {
  return props.text ? html`<p class="error-note" role="alert">${props.text}</p>` : null;
}

/** A placeholder while the first data is read. */
export function Loading(): VNode {
  return html`<p class="muted">Loading…</p>`;
}

/** Whether actions are off (the server runs read-only): their buttons are hidden then. */
export function useReadOnly(): boolean {
  return useStore(overview)?.readOnly ?? false;
}

/**
 * A button that runs an API action: disabled while it runs, asks first when
 * `confirm` is set, and reports the outcome in the header. Hidden when the
 * dashboard is read-only.
 */
export function ActionButton(props: {
  label: string;
  run: () => Promise<string | void>;
  confirm?: string;
  danger?: boolean;
  testid?: string;
  title?: string;
}): VNode | null {
  const readOnly = useReadOnly();
  const [busy, setBusy] = useState(false);
  if (readOnly) return null;
  const click = async () => {
    if (props.confirm && !confirm(props.confirm)) return;
    setBusy(true);
    try {
      const said = await props.run();
      if (said) say(said);
    } catch (error) {
      say(`${props.label} failed: ${errorText(error)}`, true);
    } finally {
      setBusy(false);
    }
  };
  return html`<button type="button" class=${props.danger ? "button danger" : "button"} disabled=${busy}
    data-testid=${props.testid} title=${props.title} onClick=${click}>${props.label}</button>`;
}
