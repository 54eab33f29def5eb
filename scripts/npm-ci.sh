#!/usr/bin/env bash
# `npm ci` as every script of this repository runs it. fs-ext is a native addon that node-gyp builds against
# the running Node's headers: taken from the Node itself when it has them (a distribution's or the npm
# registry's `node` package has include/node), so no header download is needed. A nodedir already set
# (npm_config_nodedir, an .npmrc) is kept.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${npm_config_nodedir:-}" ] && [ -z "$(npm config get nodedir 2> /dev/null | grep -v '^undefined$' || true)" ]; then
  prefix=$(node -p 'require("path").resolve(process.execPath, "..", "..")')
  [ -f "$prefix/include/node/node_api.h" ] && export npm_config_nodedir="$prefix"
fi
exec npm ci --no-audit --no-fund "$@"
