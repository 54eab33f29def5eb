#!/usr/bin/env bash
# cilo on the current Node releases besides the machine's own (README, "Requirements"): for each major given
# (default: 24, the current LTS, and 26, the newest), Node from the npm registry's `node` package, a copy of
# this tree whose dependencies that Node installs (fs-ext built against its own headers, which the package
# holds), then the unit suite and the drop-in conformance subset (passthrough and smoke) on the real engine.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
majors=("$@")
[ ${#majors[@]} -gt 0 ] || majors=(24 26)
cache=$root/.cache/node
log() { printf 'test-node: %s\n' "$*" >&2; }
# CILO_NODES=off skips it on a laptop (never in CI).
if [ -z "${CI:-}" ] && { [ "${CILO_NODES:-}" = off ] || [ "${CILO_SKIP_INTEGRATION:-}" = 1 ]; }; then
  log "skipped (CILO_NODES=off or CILO_SKIP_INTEGRATION=1)"
  exit 0
fi

failed=()
for major in "${majors[@]}"; do
  dir=$cache/$major
  if [ ! -x "$dir/node_modules/node/bin/node" ]; then
    log "installing Node $major from the registry's node package into $dir"
    npm install --no-audit --no-fund --no-save --silent --prefix "$dir" "node@$major" >/dev/null
  fi
  bin=$dir/node_modules/node/bin
  api=$(find "$dir/node_modules" -path '*/include/node/node_api.h' -print -quit)
  tree=$(mktemp -d "/tmp/cilo-node$major.XXXXXX")
  trap 'rm -rf "$tree"' EXIT
  tar --exclude=./node_modules --exclude=./dist --exclude=./.cache -cf - . | tar -C "$tree" -xf -
  log "Node $("$bin/node" --version): npm ci, the unit suite, then the conformance subset"
  (
    cd "$tree"
    export PATH="$bin:$PATH" npm_config_nodedir="${api%/include/node/node_api.h}"
    # tsx turns on Node's compile cache, by default in a shared /tmp directory: in the copy instead, removed with it.
    export NODE_COMPILE_CACHE="$tree/.cache/node-compile-cache"
    bash scripts/npm-ci.sh --silent
    bash scripts/test.sh --unit
    node --import tsx --test --test-concurrency=1 --test-reporter=spec \
      test/integration/passthrough.integration.test.ts test/integration/smoke.integration.test.ts
  ) || failed+=("Node $major")
  rm -rf "$tree"
  trap - EXIT
done
[ ${#failed[@]} -eq 0 ] || { log "failed: ${failed[*]}"; exit 1; }
