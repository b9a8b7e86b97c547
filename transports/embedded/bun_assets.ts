/**
 * PGlite's WASM modules and data bundle, embedded in a Bun-compiled binary
 * (`with { type: "file" }` makes `bun build --compile` include each file and
 * gives its path inside the binary, which node:fs reads). Loaded only in a
 * compiled binary, through cli/binary_main.ts: the file imports are a Bun
 * bundler feature, the reads are not runtime-specific.
 */
// @ts-ignore: Bun's file imports give the embedded file's path.
import pgliteWasm from "../../node_modules/@electric-sql/pglite/dist/pglite.wasm" with { type: "file" };
// @ts-ignore: as above.
import initdbWasm from "../../node_modules/@electric-sql/pglite/dist/initdb.wasm" with { type: "file" };
// @ts-ignore: as above.
import pgliteData from "../../node_modules/@electric-sql/pglite/dist/pglite.data" with { type: "file" };
import type { PGliteOptions } from "@electric-sql/pglite";
import { readFile } from "node:fs/promises";

export async function embeddedAssets(): Promise<Partial<PGliteOptions>> {
  const [pglite, initdb, data] = await Promise.all([readFile(pgliteWasm), readFile(initdbWasm), readFile(pgliteData)]);
  return {
    pgliteWasmModule: await WebAssembly.compile(pglite),
    initdbWasmModule: await WebAssembly.compile(initdb),
    fsBundle: new Blob([data]),
  };
}
