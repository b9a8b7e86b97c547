/**
 * Makes `import ... from "tq"` in a user's module (loaded with -A) resolve
 * to this very copy of the library on Bun, above all inside a compiled
 * binary, where no node_modules holds tq: user code and the CLI then share
 * one App class, one registry and one set of error classes. Deno resolves
 * "tq" through the user's import map instead.
 */
import * as tq from "../mod.ts";
import { provideModule } from "../core/runtime.ts";

let provided = false;

export function provideSelfAsTq(): void {
  if (provided) return;
  provided = true;
  provideModule("tq", { ...tq });
}
