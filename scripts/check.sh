#!/usr/bin/env bash
# Types, formatting and lint: `npm run check`, and a step of the full test command. Kept out of the unit
# run so its results come in under a minute (issue 28).
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.test.json
npx prettier --check . >/dev/null || { npx prettier --list-different .; echo "check: run 'npm run format'" >&2; exit 1; }
npx eslint lib test bench
