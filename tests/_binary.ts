/** The compiled linux-x64 binary for tests, built once per test file run (about 2 s once Bun's runtime is cached). */
import { buildTarget } from "../scripts/build.ts";

export const HOST_TARGET = "linux-x64" as const;
let built: Promise<string> | undefined;

export function hostBinary(): Promise<string> {
  built ??= Promise.resolve().then(() => buildTarget(HOST_TARGET));
  return built;
}
