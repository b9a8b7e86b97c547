#!/usr/bin/env bash
# Runs the README example end to end: tq on examples/tasks.ts, a few calls
# from the CLI and from code, then a graceful stop.
#
# With TQ_DATABASE_URL set it uses that server (a worker with -B for beat);
# without it, `tq dev` runs the embedded database (in .tq/), a worker and beat
# in one process, and the calls find it by themselves: only Node.js and npm
# are needed.
set -euo pipefail
cd "$(dirname "$0")/.."
bun=node_modules/.bin/bun
tq() { "$bun" cli/main.ts "$@"; }
log="$(mktemp)"

if [[ -n "${TQ_DATABASE_URL:-}" ]]; then
  export TQ_SCHEMA="${TQ_SCHEMA:-tq_example}"
  tq migrate
  # Started directly, not through the function, so $! is the process itself and the trap stops it.
  "$bun" cli/main.ts worker -A examples/tasks.ts --concurrency 20 --queues default,slow -B >"$log" 2>&1 &
  ready="consuming"
else
  echo "TQ_DATABASE_URL is not set: using the embedded database (tq dev, data in .tq/)"
  "$bun" cli/main.ts dev -A examples/tasks.ts --queues default,slow >"$log" 2>&1 &
  ready="tq dev: database at"
fi
server=$!
trap 'kill -TERM $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 120); do
  grep -q "$ready" "$log" && break
  kill -0 $server 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.5
done
grep -q "$ready" "$log" || { cat "$log"; echo "tq did not start within 60 s"; exit 1; }

echo "\$ tq call add 2 3 --wait"
tq call add 2 3 --wait
echo "\$ tq call slow 500 --wait"
tq call slow 500 --wait
echo "\$ tq call fail '\"on purpose\"' --wait   (exits 1 with the task's error)"
tq call fail '"on purpose"' --wait || true
echo "\$ bun examples/send.ts"
"$bun" examples/send.ts
echo "\$ tq beat list"
tq beat list
echo "\$ tq inspect queues"
tq inspect queues
# tq dev serves the dashboard too; the example stops right after, so only its address is shown.
dashboard="$(grep -o 'dashboard at http://[^ ]*' "$log" | head -n 1 || true)"
if [[ -n "$dashboard" ]]; then
  echo "(tq dev's ${dashboard}: run \`npm run dev -- -A examples/tasks.ts\` to keep it open)"
fi
