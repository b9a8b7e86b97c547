#!/usr/bin/env bash
# Runs the README example end to end: a worker on examples/tasks.ts, a few
# calls from the CLI, then a graceful stop. Uses TQ_DATABASE_URL if set.
set -euo pipefail
cd "$(dirname "$0")/.."
tq() { node_modules/.bin/bun cli/main.ts "$@"; }
export TQ_SCHEMA="${TQ_SCHEMA:-tq_example}"

tq migrate
# Started directly, not through the function, so $! is the worker itself and the trap stops it.
# -B: it also runs beat, which sends the example's periodic task.
node_modules/.bin/bun cli/main.ts worker -A examples/tasks.ts --concurrency 20 --queues default,slow -B &
worker=$!
trap 'kill -TERM $worker 2>/dev/null || true; wait $worker 2>/dev/null || true' EXIT
sleep 1

echo "\$ tq call add 2 3 --wait"
tq call add 2 3 --wait
echo "\$ tq call slow 500 --wait"
tq call slow 500 --wait
echo "\$ tq call fail '\"on purpose\"' --wait   (exits 1 with the task's error)"
tq call fail '"on purpose"' --wait || true
echo "\$ bun examples/send.ts"
node_modules/.bin/bun examples/send.ts
echo "\$ tq beat list"
tq beat list
