#!/usr/bin/env bash
# The test command (`make test` runs it after installing): lint, import contracts, then the
# whole suite once on SQLite and once on PostgreSQL (one backend per pytest process: STACK.md).
# Needs PostgreSQL on 127.0.0.1:5432 (trust) and Redis on 127.0.0.1:6379; .ci/run starts them.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${VENV:-.venv}/bin

echo "== ruff"
"$BIN/ruff" check .
echo "== import contracts"
"$BIN/lint-imports"
echo "== pytest on SQLite"
KEMBAR_TEST_DB=sqlite "$BIN/pytest" -q -p no:cacheprovider "$@"
echo "== pytest on PostgreSQL"
KEMBAR_TEST_DB=postgres "$BIN/pytest" -q -p no:cacheprovider "$@"
