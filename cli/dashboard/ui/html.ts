/**
 * The one template tag every view uses: htm bound to Preact's `h`, so views
 * are plain TypeScript (no JSX step) and the bundle needs no compiler.
 */
import { h, type VNode } from "preact";
import htm from "htm";

/** The tag's type. htm's own declares a union with arrays, which a template with one root never returns. */
type Tag = (strings: TemplateStringsArray, ...values: unknown[]) => VNode;

/** Tagged template that builds Preact nodes: html`<p>${text}</p>`. */
// htm's types are CommonJS-style, which Deno reads as a namespace: hence the cast.
export const html: Tag = (htm as unknown as { bind(fn: typeof h): Tag }).bind(h);
