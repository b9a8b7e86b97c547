#!/usr/bin/env bash
# Runs the whole suite on both runtimes against the PostgreSQL at
# TQ_TEST_DATABASE_URL. Without it, the suite runs on an embedded database
# (PGlite, scripts/embedded_db.ts) started for the run: only Node.js and npm
# are needed then, it is slower, and the tests that need a real server (they
# say why) are skipped. CI sets TQ_TEST_DATABASE_URL to the real server.
# `bash scripts/test.sh bun` or `... deno` runs one runtime only.
set -euo pipefail
only="${1:-}"
if [[ -n "$only" && "$only" != bun && "$only" != deno ]]; then
  echo "usage: scripts/test.sh [bun|deno]" >&2
  exit 2
fi
cd "$(dirname "$0")/.."
bin=node_modules/.bin

if [[ -z "${TQ_TEST_DATABASE_URL:-}" ]]; then
  out="$(mktemp)"
  "$bin/bun" scripts/embedded_db.ts >"$out" &
  embedded=$!
  trap 'kill -TERM $embedded 2>/dev/null || true; wait $embedded 2>/dev/null || true; rm -f "$out"' EXIT
  for _ in $(seq 1 120); do
    [[ -s "$out" ]] && break
    kill -0 $embedded 2>/dev/null || { echo "the embedded database did not start"; exit 1; }
    sleep 0.5
  done
  TQ_TEST_DATABASE_URL="$(head -n 1 "$out")"
  export TQ_TEST_DATABASE_URL TQ_TEST_EMBEDDED=1
  # No notifications there: workers learn of commands by heartbeat, and poll for jobs.
  export TQ_HEARTBEAT="${TQ_HEARTBEAT:-1000}" TQ_POLL_INTERVAL="${TQ_POLL_INTERVAL:-250}"
  echo "TQ_TEST_DATABASE_URL is not set: testing on an embedded database at $TQ_TEST_DATABASE_URL"
fi

if [[ "$only" != deno ]]; then
  echo "== bun test =="
  "$bin/bun" test --timeout 120000 tests/
fi
if [[ "$only" != bun ]]; then
  echo "== deno test =="
  "$bin/deno" test -A tests/
fi
