#!/usr/bin/env bash
# Runs the whole suite on both runtimes against the PostgreSQL at
# TQ_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=node_modules/.bin
echo "== bun test =="
"$bin/bun" test --timeout 120000 tests/
echo "== deno test =="
"$bin/deno" test -A tests/
