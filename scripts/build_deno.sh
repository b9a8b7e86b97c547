#!/usr/bin/env bash
# Builds tq with `deno compile` instead of Bun (`deno task compile`). deno
# compile downloads its `denort` runtime for each target from the internet on
# first use, which the machines this project is developed on cannot reach, so
# the released binaries are Bun's (scripts/build.ts); this is for people who
# prefer a Deno binary and have the network. Unlike Bun's binary, a Deno binary
# resolves `import "tq"` in a user's module through that project's own import
# map (deno.json "imports": { "tq": "jsr:@tq/tq" } or a path), not to itself,
# and `tq --version` shows "source" for the commit.
set -euo pipefail
cd "$(dirname "$0")/.."
deno="${DENO:-node_modules/.bin/deno}"
mkdir -p dist
for target in x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu x86_64-apple-darwin aarch64-apple-darwin x86_64-pc-windows-msvc; do
  if [[ -n "${1:-}" && "$1" != "$target" ]]; then continue; fi
  "$deno" compile -A --target "$target" --output "dist/tq-deno-$target" cli/main.ts
done
