#!/usr/bin/env bash
# `npm run bench`: prepares the host like the tests do, builds, and prints cilo's figures next to plain
# docker compose, measured in one run. BENCH_RUNS sets the repetitions (default 11).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-host.sh
[ -f node_modules/.package-lock.json ] || bash scripts/npm-ci.sh
npm run build --silent
exec node --import tsx bench/run.ts
