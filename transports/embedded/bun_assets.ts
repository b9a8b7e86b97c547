/**
 * PGlite's WASM modules and data bundle, embedded in a Bun-compiled binary
 * (`with { type: "file" }` makes `bun build --compile` include each file and
 * gives its path inside the binary). Loaded only in a compiled binary.
 */
// @ts-ignore: Bun's file imports give the embedded file's path.
import pgliteWasm from "../../node_modules/@electric-sql/pglite/dist/pglite.wasm" with { type: "file" };
// @ts-ignore: as above.
import initdbWasm from "../../node_modules/@electric-sql/pglite/dist/initdb.wasm" with { type: "file" };
// @ts-ignore: as above.
import pgliteData from "../../node_modules/@electric-sql/pglite/dist/pglite.data" with { type: "file" };
import type { PGliteOptions } from "@electric-sql/pglite";

// deno-lint-ignore no-explicit-any
const Bun = (globalThis as any).Bun;

export async function embeddedAssets(): Promise<Partial<PGliteOptions>> {
  const bytes = async (path: string) => new Uint8Array(await Bun.file(path).arrayBuffer());
  const [pglite, initdb, data] = await Promise.all([bytes(pgliteWasm), bytes(initdbWasm), Bun.file(pgliteData).arrayBuffer()]);
  return {
    pgliteWasmModule: await WebAssembly.compile(pglite),
    initdbWasmModule: await WebAssembly.compile(initdb),
    fsBundle: new Blob([data]),
  };
}
