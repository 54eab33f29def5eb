#!/usr/bin/env bash
# The engine matrix (docs/TEST-RIG.md, "Newer engines and Podman"; README, "Tested on"): a conformance subset
# of the integration tests on Docker 28.5 + Compose 2.40, on Podman 4.3 rootful + Compose 2.40 and on Podman 5.8
# rootless (pasta) + Compose 2.40, each engine in a network namespace of its own and there the default engine
# (scripts/engine-matrix.sh); and the tests of the drop-in with Compose 2.40 driving the host's engine. Each
# engine is removed afterwards, also on failure.
#   scripts/test-matrix.sh [ENGINE...]     ENGINE: docker28, podman, podman5, compose240 (default: all four)
# Needs root. CILO_MATRIX=off skips it on a laptop (never in CI).
set -euo pipefail
cd "$(dirname "$0")/.."

# The engine client's changes and refusals (API and CLI), every command of both executables, the seed's
# shared networks, DNS inside the engine and on the host side, doctor, the router, and (Docker) a swarm with
# the rig's second engine. What only Compose decides (`config`,
# COMPOSE_* variables, passthrough) runs with Compose 2.40 on the host's engine.
docker28=(client smoke environments shared dns doctor router plugin engines mcp agents)
# Podman has no swarm; docs/TEST-RIG.md says what Compose does differently there.
podman=(client smoke environments shared dns doctor router mcp agents)
# Rootless Podman: `published` access (the router, published ports, shared networks), as its users run it.
podman5=(client published)
compose240=(passthrough compose-env config)

log() { printf 'test-matrix: %s\n' "$*" >&2; }
if [ -z "${CI:-}" ] && { [ "${CILO_MATRIX:-}" = off ] || [ "${CILO_SKIP_INTEGRATION:-}" = 1 ]; }; then
  log "skipped (CILO_MATRIX=off or CILO_SKIP_INTEGRATION=1)"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  [ -n "${CI:-}" ] && { log "error: the engine matrix needs root (it starts engines in network namespaces)"; exit 1; }
  log "skipped: not root (the engines of the matrix run in network namespaces); CI runs it"
  exit 0
fi

current=
trap '[ -z "$current" ] || bash scripts/engine-matrix.sh down "$current"' EXIT
engines=("$@")
[ ${#engines[@]} -gt 0 ] || engines=(docker28 podman podman5 compose240)
failed=()
for engine in "${engines[@]}"; do
  declare -n names="$engine"
  files=()
  for n in "${names[@]}"; do files+=("test/integration/$n.integration.test.ts"); done
  start=$SECONDS
  current=$engine
  log "$engine: starting it"
  if bash scripts/engine-matrix.sh up "$engine"; then
    log "$engine: ${names[*]}"
    # published.integration.test.ts takes the rootless engine it is given instead of starting the rig's.
    sock=
    [ "$engine" = podman5 ] && sock=unix:///run/cilo-matrix-podman5/user/docker.sock
    CILO_TEST_PUBLISHED_HOST=$sock bash scripts/engine-matrix.sh run "$engine" -- \
      node --import tsx --test --test-concurrency=1 --test-reporter=spec "${files[@]}" || failed+=("$engine")
  else
    failed+=("$engine (did not start)")
  fi
  bash scripts/engine-matrix.sh down "$engine"
  current=
  log "$engine: $((SECONDS - start)) s"
done
[ ${#failed[@]} -eq 0 ] || { log "failed on: ${failed[*]}"; exit 1; }
