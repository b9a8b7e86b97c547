/**
 * The one template tag every view uses: htm bound to Preact's `h`, so views
 * are plain TypeScript (no JSX step) and the bundle needs no compiler.
 */
import { h, type VNode } from "preact";
import htm from "htm";

/** Tagged template that builds Preact nodes: html`<p>${text}</p>`. */
export const html: (strings: TemplateStringsArray, ...values: unknown[]) => VNode = htm.bind(h) as never;
