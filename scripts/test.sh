#!/usr/bin/env bash
# The one command that runs cilo's tests from a fresh clone: prepares the host (Docker engine, Compose v2,
# dnsmasq, fixture image; see scripts/setup-host.sh), installs npm dependencies, builds, runs every test.
#   scripts/test.sh           unit + integration tests
#   scripts/test.sh --unit    unit tests only (no Docker needed)
# Integration tests fail when Docker is missing; on a laptop CILO_SKIP_INTEGRATION=1 skips them (never in CI).
set -euo pipefail
cd "$(dirname "$0")/.."

unit_only=false
[ "${1:-}" = "--unit" ] && unit_only=true

if ! $unit_only; then
  if [ "${CILO_SKIP_INTEGRATION:-}" = 1 ] && [ -z "${CI:-}" ]; then
    echo "test: CILO_SKIP_INTEGRATION=1: not preparing Docker; integration tests will be skipped" >&2
  else
    bash scripts/setup-host.sh
  fi
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  bash scripts/npm-ci.sh
fi
npm run build --silent
npx tsc -p tsconfig.test.json
# Formatting and lint are part of the tests: a tree that is not Prettier's or breaks a lint rule fails here.
npx prettier --check . >/dev/null || { npx prettier --list-different .; echo "test: run 'npm run format'" >&2; exit 1; }
npx eslint lib test bench

if $unit_only; then
  mapfile -t files < <(find test -name '*.test.ts' ! -name '*.integration.test.ts' | sort)
else
  mapfile -t files < <(find test -name '*.test.ts' | sort)
fi
[ ${#files[@]} -gt 0 ] || { echo "test: no test files found" >&2; exit 1; }
# Files run one at a time: integration tests share one Docker engine and two cores.
suite() { node --import tsx --test --test-concurrency=1 --test-reporter=spec "$@"; }
$unit_only && exec node --import tsx --test --test-concurrency=1 --test-reporter=spec "${files[@]}"

failed=()
echo "test: the host's engine: every test" >&2
suite "${files[@]}" || failed+=("host engine")
bash scripts/test-matrix.sh || failed+=("engine matrix")
bash scripts/test-as-user.sh || failed+=("as an ordinary user")
bash scripts/test-node.sh || failed+=("current Node")
[ ${#failed[@]} -eq 0 ] || { echo "test: failed: ${failed[*]}" >&2; exit 1; }
