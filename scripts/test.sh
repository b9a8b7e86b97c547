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

# Both runtimes at once by default: most of a run is waiting (for workers,
# leases, timers), so together they take little longer than the slower one.
# Each test works in a schema of its own, so the two never meet.
# TQ_TEST_SERIAL=1 runs one after the other, with live output (always so on
# the embedded database, whose one socket is slow enough already).
# Within each runtime, TQ_TEST_JOBS test files run at once (1 by default).
# TQ_TEST_JOBS=2 took 8.7 minutes instead of 11 for both runtimes on a
# loaded 2-core machine, but the extra load made timing-bound tests (beat
# takeover, rate limits) fail now and then, so it is not the default.
jobs="${TQ_TEST_JOBS:-1}"
bun_parallel=() deno_parallel=()
if [[ "$jobs" -gt 1 ]]; then bun_parallel=(--parallel="$jobs") deno_parallel=(--parallel); fi
run_bun() { "$bin/bun" test --timeout 120000 "${bun_parallel[@]}" tests/; }
run_deno() { DENO_JOBS="$jobs" "$bin/deno" test -A "${deno_parallel[@]}" tests/; }
if [[ -n "$only" ]]; then
  echo "== $only test =="
  "run_$only"
elif [[ "${TQ_TEST_SERIAL:-}" == 1 || "${TQ_TEST_EMBEDDED:-}" == 1 ]]; then
  echo "== bun test =="
  run_bun
  echo "== deno test =="
  run_deno
else
  logs="$(mktemp -d)"
  echo "running bun test and deno test side by side (TQ_TEST_SERIAL=1 for one at a time)"
  run_bun >"$logs/bun.log" 2>&1 &
  bun_pid=$!
  deno_status=0
  run_deno >"$logs/deno.log" 2>&1 || deno_status=$?
  bun_status=0
  wait $bun_pid || bun_status=$?
  echo "== bun test (exit $bun_status) =="
  cat "$logs/bun.log"
  echo "== deno test (exit $deno_status) =="
  cat "$logs/deno.log"
  rm -rf "$logs"
  if [[ $bun_status -ne 0 || $deno_status -ne 0 ]]; then
    echo "FAILED: bun exit $bun_status, deno exit $deno_status"
    exit 1
  fi
fi
