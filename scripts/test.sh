#!/usr/bin/env bash
# The one command that runs cilo's tests from a fresh clone: prepares the host (Docker engine, Compose v2,
# dnsmasq, fixture image; see scripts/setup-host.sh), installs npm dependencies, builds, runs every test.
#   scripts/test.sh           types, format, lint (scripts/check.sh), unit + integration tests
#   scripts/test.sh --unit    unit tests only, files in parallel (no Docker needed; `npm run test:unit`)
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
# The build the unit tests use too (they start dist/'s executables); skipped when dist is newer than lib.
if [ ! -f dist/.built ] || [ -n "$(find lib scripts/bundle.mjs package.json -newer dist/.built -print -quit)" ]; then
  npm run build --silent
  touch dist/.built
fi
$unit_only || bash scripts/check.sh

if $unit_only; then
  mapfile -t files < <(find test -name '*.test.ts' ! -name '*.integration.test.ts' | sort)
else
  mapfile -t files < <(find test -name '*.test.ts' | sort)
fi
[ ${#files[@]} -gt 0 ] || { echo "test: no test files found" >&2; exit 1; }
# Unit files run side by side (each in its own process, its own temp dirs); with integration tests files run
# one at a time: they share one Docker engine and two cores.
$unit_only && exec node --import tsx --test --test-concurrency=4 --test-reporter=spec "${files[@]}"
suite() { node --import tsx --test --test-concurrency=1 --test-reporter=spec "$@"; }

failed=()
echo "test: the host's engine: every test" >&2
suite "${files[@]}" || failed+=("host engine")
bash scripts/test-matrix.sh || failed+=("engine matrix")
bash scripts/test-as-user.sh || failed+=("as an ordinary user")
bash scripts/test-node.sh || failed+=("current Node")
[ ${#failed[@]} -eq 0 ] || { echo "test: failed: ${failed[*]}" >&2; exit 1; }
