/**
 * The version is written in one place (package.json) and everything else
 * agrees with it: deno.json, CHANGELOG.md and `tq --version`, which also
 * names the message protocol. The release script's checks say clearly what
 * disagrees. No binary is built here: the release builds and checks those.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { scriptCommand } from "../core/runtime.ts";
import { PROTOCOL_VERSION } from "../core/message.ts";
import { checkChangelog, checkImports, checkVersions, readVersionInputs } from "../scripts/release.ts";
import { CLI, execToEnd, ROOT } from "./_helpers.ts";

const inputs = readVersionInputs(ROOT);
const version = inputs.packageVersion;
const escaped = version.replaceAll(".", "\\.");

test("package.json and deno.json carry the same version", () => {
  const deno = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8"));
  assert.match(version, /^\d+\.\d+\.\d+$/);
  assert.equal(deno.version, version, "deno.json's version is package.json's");
});

test("CHANGELOG.md has a dated section for this version, first under Unreleased, in Keep a Changelog's form", () => {
  const lines = inputs.changelog.split("\n");
  const sections = lines.filter((line) => line.startsWith("## "));
  assert.equal(sections[0], "## [Unreleased]");
  assert.match(sections[1], new RegExp(`^## \\[${escaped}\\] - \\d{4}-\\d{2}-\\d{2}$`));
  assert.ok(lines.some((line) => line.startsWith(`[${version}]: `)), `a link reference for [${version}]`);
  assert.deepEqual(checkChangelog(inputs.changelog, version), []);
});

test("tq --version from source prints the version and the message protocol", async () => {
  const ran = await execToEnd([...scriptCommand(CLI), "--version"]);
  assert.equal(ran.code, 0, ran.stderr);
  assert.match(ran.stdout, new RegExp(`^tq ${escaped} \\(source\\) protocol ${PROTOCOL_VERSION} on (bun|deno) \\d+\\.\\d+\\.\\d+\\n$`));
  assert.deepEqual(checkVersions({ ...inputs, versionLine: ran.stdout }), [], "the release's check accepts it");
});

test("the release's version check names each place that disagrees, with the value found and the one expected", () => {
  const agreeing = { packageVersion: "1.2.0", denoVersion: "1.2.0", changelog: changelogFor("1.2.0"), protocol: 3 };
  assert.deepEqual(checkVersions(agreeing), []);
  assert.deepEqual(checkVersions({ ...agreeing, versionLine: "tq 1.2.0 (0123abcd4567) protocol 3 on bun 1.4.5" }), []);

  assert.deepEqual(checkVersions({ ...agreeing, denoVersion: "1.1.0" }), [
    `deno.json's version is "1.1.0" but package.json's is "1.2.0": set deno.json's "version" to "1.2.0".`,
  ]);
  assert.deepEqual(checkVersions({ ...agreeing, denoVersion: undefined }), [
    `deno.json's version is "(missing)" but package.json's is "1.2.0": set deno.json's "version" to "1.2.0".`,
  ]);
  assert.deepEqual(checkVersions({ ...agreeing, changelog: changelogFor("1.1.0") }), [
    `CHANGELOG.md has no section for 1.2.0: add "## [1.2.0] - YYYY-MM-DD" under "## [Unreleased]", with this release's changes.`,
  ]);
  assert.deepEqual(checkVersions({ ...agreeing, versionLine: "tq 1.1.0 (0123abcd4567) protocol 2 on bun 1.4.5\n" }), [
    `The binary says it is tq 1.1.0 but package.json's version is "1.2.0": build it again from this tree.`,
    "The binary speaks protocol 2 but the sources send protocol 3: build it again from this tree.",
  ]);
  assert.deepEqual(checkVersions({ ...agreeing, versionLine: "tq 1.2.0 (source) on bun 1.4.5" }), [
    `The binary printed "tq 1.2.0 (source) on bun 1.4.5" for --version: expected "tq 1.2.0 (<commit>) protocol <n> on bun <version>".`,
  ]);
});

test("the release's changelog check refuses headings out of Keep a Changelog's form", () => {
  const text = changelogFor("1.2.0")
    .replace("## [1.2.0] - 2026-12-02", "## 1.2.0 (2026-12-02)")
    .replace("### Added", "### New");
  assert.deepEqual(checkChangelog(text, "1.2.0"), [
    `CHANGELOG.md has the heading "## 1.2.0 (2026-12-02)": a release's must read "## [x.y.z] - YYYY-MM-DD".`,
    `CHANGELOG.md has the heading "### New": use one of Added, Changed, Deprecated, Removed, Fixed, Security.`,
    `CHANGELOG.md has no section for 1.2.0: add "## [1.2.0] - YYYY-MM-DD" under "## [Unreleased]", with this release's changes.`,
  ]);
  assert.deepEqual(checkChangelog(changelogFor("1.2.0").replace("## [Unreleased]\n", ""), "1.2.0"), [
    `CHANGELOG.md's first section is "## [1.2.0] - 2026-12-02": it must be "## [Unreleased]", for changes not yet released.`,
  ]);
});

test("the release refuses a published source that imports a package package.json does not list", () => {
  const sources = { "core/a.ts": `import { x } from "ajv";\nimport type { Y } from "fast-uri/lib";\n * import { App } from "tq";\n` };
  assert.deepEqual(checkImports(sources, ["ajv"]), [
    `core/a.ts imports "fast-uri/lib", which is not among package.json's dependencies: add it there, or JSR publishes the import unresolved.`,
  ]);
});

/** A small changelog in the expected form whose newest release is `newest`. */
function changelogFor(newest: string): string {
  return [
    "# Changelog",
    "",
    "## [Unreleased]",
    "",
    `## [${newest}] - 2026-12-02`,
    "",
    "### Added",
    "",
    "- Something.",
    "",
    "## [1.0.0] - 2026-11-01",
    "",
    "### Fixed",
    "",
    "- Something else.",
    "",
    `[unreleased]: ../../compare/v${newest}...HEAD`,
    `[${newest}]: ../../compare/v1.0.0...v${newest}`,
    "[1.0.0]: ../../releases/tag/v1.0.0",
    "",
  ].join("\n");
}
