/**
 * The entry point of the compiled binary (scripts/build.ts): the CLI, plus
 * PGlite's WASM and data files embedded in the binary for `tq dev`. Kept
 * apart from cli/main.ts because those file imports are Bun's alone.
 */
import { embeddedAssets } from "../transports/embedded/bun_assets.ts";
import { provideEmbeddedAssets } from "../transports/embedded/server.ts";
import { args, exit } from "../core/runtime.ts";
import { main } from "./main.ts";

provideEmbeddedAssets(embeddedAssets);
exit(await main(args()));
