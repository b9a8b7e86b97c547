#!/usr/bin/env bash
# The long database-fault tests (tests/faults/ with TQ_FAULTS_LONG=1): 2,000
# jobs of 20 ms on 4 worker processes with default settings, through a fault
# proxy (server down, stalled link, silent server) and with real backend
# kills, on both runtimes, against the PostgreSQL at TQ_TEST_DATABASE_URL.
# None of them stops that server.
#
# A real restart is tested too, but only on a server nobody else uses: a
# throwaway one this script creates with initdb (as the `postgres` user when
# run as root) on a free port, or the server TQ_TEST_DATABASE_URL names when
# TQ_FAULTS_RESTART_CMD says how to restart it. Without either, that test is
# skipped and says why.
#
# It also runs the hostile-input property test for longer, with a fresh seed.
#
# `bash scripts/test_faults.sh bun|deno` runs one runtime.
set -euo pipefail
only="${1:-}"
if [[ -n "$only" && "$only" != bun && "$only" != deno ]]; then
  echo "usage: scripts/test_faults.sh [bun|deno]" >&2
  exit 2
fi
cd "$(dirname "$0")/.."
bin="$PWD/node_modules/.bin"
: "${TQ_TEST_DATABASE_URL:?set TQ_TEST_DATABASE_URL to a PostgreSQL server: the fault tests need a real one}"
export TQ_TEST_DATABASE_URL TQ_FAULTS_LONG=1

run() {
  local pattern="${1:-}"
  if [[ "$only" != deno ]]; then
    echo "== bun test (long fault tests${pattern:+: $pattern}) =="
    "$bin/bun" test --timeout 600000 ${pattern:+-t "$pattern"} tests/faults/
  fi
  if [[ "$only" != bun ]]; then
    echo "== deno test (long fault tests${pattern:+: $pattern}) =="
    "$bin/deno" test -A ${pattern:+--filter "$pattern"} tests/faults/
  fi
}

restart_test="after a real server restart"

# The hostile-input property test (tests/hostile_input.test.ts), longer than
# in the suite (100,000 generated names and payloads) and with a seed of its
# own each time; a failure prints the seed that replays it.
seed="${TQ_PROPERTY_SEED:-$RANDOM$RANDOM}"
echo "== hostile input: 200 runs of 500, seed $seed (TQ_PROPERTY_SEED=$seed replays it) =="
TQ_PROPERTY_RUNS="${TQ_PROPERTY_RUNS:-200}" TQ_PROPERTY_SEED="$seed" "$bin/bun" test --timeout 3600000 tests/hostile_input.test.ts

if [[ -n "${TQ_FAULTS_RESTART_CMD:-}" ]]; then
  export TQ_FAULTS_RESTART_CMD
  run
  exit 0
fi

run

# A throwaway server for the restart test.
pgbin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
[[ -n "$pgbin" ]] || pgbin="$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")"
if [[ ! -x "$pgbin/initdb" || ! -x "$pgbin/pg_ctl" ]]; then
  echo "No initdb/pg_ctl found: the real restart test is skipped (or set TQ_FAULTS_RESTART_CMD)."
  exit 0
fi
as_owner=()
if [[ "$(id -u)" == 0 ]]; then
  if ! id postgres >/dev/null 2>&1; then
    echo "Running as root without a postgres user: the real restart test is skipped."
    exit 0
  fi
  as_owner=(runuser -u postgres --)
fi
dir="$(mktemp -d /tmp/tq_faults_pg.XXXXXX)"
chmod 755 "$dir"
[[ ${#as_owner[@]} -gt 0 ]] && chown postgres "$dir"
port=$((20000 + RANDOM % 20000))
cleanup() {
  "${as_owner[@]}" "$pgbin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
"${as_owner[@]}" "$pgbin/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
pg_ctl_cmd="${as_owner[*]} $pgbin/pg_ctl -D $dir/data -w -l $dir/log"
opts="-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200"
$pg_ctl_cmd -o "$opts" start >/dev/null
export TQ_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
export TQ_FAULTS_RESTART_CMD="$pg_ctl_cmd -m fast -o '$opts' restart >/dev/null"
run "$restart_test"
