#!/usr/bin/env bash
# A second Docker engine on this machine, in its own network namespace, joined with the first one in a
# Docker Swarm (engine 1 the manager, engine 2 a worker): the rig of cilo's multi-engine tests. Run as root.
#   scripts/engine2.sh up     start engine 2 (unix:///run/cilo-e2/docker.sock), init the swarm, join it,
#                             give it the fixture image; prints the socket. Idempotent.
#   scripts/engine2.sh stop   stop engine 2's daemon only (the "engine that does not answer" case)
#   scripts/engine2.sh start  start it again after stop
#   scripts/engine2.sh down   remove everything up made; engine 1 is left as it was (out of the swarm)
# Addresses: the link is 10.99.0.0/24 (host .1, engine 2 .2); swarm's ingress takes 10.0.0.0/24. Neither
# overlaps cilo's pool (10.224.0.0/14).
set -euo pipefail

NS=cilo-e2
RUN=/run/cilo-e2
DATA=/var/lib/cilo-e2
SOCK="unix://$RUN/docker.sock"
HOST_IP=10.99.0.1
NS_IP=10.99.0.2
IMAGE="${CILO_FIXTURE_IMAGE:-cilo-fixture:busybox}"

# shellcheck source=scripts/netns-engine.sh
source "$(dirname "$0")/netns-engine.sh"

log() { printf 'engine2: %s\n' "$*" >&2; }
die() { printf 'engine2: error: %s\n' "$*" >&2; exit 1; }
e2() { docker -H "$SOCK" "$@"; }
answers() { e2 info > /dev/null 2>&1; }

# Engine 2's socket only: the swarm tests reach it there.
daemon_start() { netns_dockerd "engine 2" "$DATA" -H "$SOCK"; }

daemon_stop() {
  local pid
  pid=$(cat "$RUN/docker.pid" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 80); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.25; done
  kill -9 "$pid" 2>/dev/null || true
}

node_ready() { [ "$(docker node inspect -f '{{.Status.State}}' "$(e2 info -f '{{.Swarm.NodeID}}')" 2>/dev/null)" = ready ]; }

swarm_up() {
  [ "$(docker info -f '{{.Swarm.LocalNodeState}}')" = active ] || docker swarm init --advertise-addr "$HOST_IP" --listen-addr "$HOST_IP:2377" > /dev/null
  if [ "$(e2 info -f '{{.Swarm.LocalNodeState}}')" != active ]; then
    # Nodes of an earlier engine 2 linger as `down`.
    for n in $(docker node ls -q --filter role=worker); do
      [ "$(docker node inspect -f '{{.Status.State}}' "$n")" = ready ] || docker node rm --force "$n" > /dev/null
    done
    e2 swarm join --token "$(docker swarm join-token -q worker)" --advertise-addr "$NS_IP" --listen-addr "$NS_IP:2377" "$HOST_IP:2377" > /dev/null
  fi
  wait_for "engine 2 ready in the swarm" node_ready
}

up() {
  [ "$(id -u)" = 0 ] || die "needs root (network namespaces, a second dockerd)"
  docker info > /dev/null 2>&1 || die "engine 1 does not answer: run scripts/setup-host.sh first"
  netns_link cilo-e2-host cilo-e2-ns "$HOST_IP" "$NS_IP"
  daemon_start
  swarm_up
  e2 image inspect "$IMAGE" > /dev/null 2>&1 || docker save "$IMAGE" | e2 load > /dev/null
  log "up: engine 2 at $SOCK, a worker of engine 1's swarm"
  echo "$SOCK"
}

down() {
  if answers; then
    ids=$(e2 ps -aq)
    [ -z "$ids" ] || e2 rm -f $ids > /dev/null 2>&1 || true
    e2 swarm leave --force > /dev/null 2>&1 || true
  fi
  daemon_stop
  if [ "$(docker info -f '{{.Swarm.LocalNodeState}}' 2>/dev/null)" = active ]; then docker swarm leave --force > /dev/null 2>&1 || true; fi
  # Swarm leaves docker_gwbridge behind on engine 1; its endpoints go a moment after the swarm.
  for _ in $(seq 1 20); do
    docker network inspect docker_gwbridge > /dev/null 2>&1 || break
    docker network rm docker_gwbridge > /dev/null 2>&1 && break
    sleep 0.5
  done
  ip link del cilo-e2-host 2> /dev/null || true
  ip netns del "$NS" 2> /dev/null || true
  if [ -f "$RUN/netns-mount-made" ] && [ -z "$(ip netns list)" ]; then umount /run/netns 2> /dev/null || true; fi
  # dockerd of engine 2 may leave mounts under its directories.
  { grep -o " $RUN[^ ]*\| $DATA[^ ]*" /proc/mounts || true; } | sort -r | while read -r m; do umount -l "$m" 2> /dev/null || true; done
  rm -rf "$RUN" "$DATA"
  log "down: engine 2 removed; engine 1 $(docker info -f 'swarm {{.Swarm.LocalNodeState}}')"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  stop) daemon_stop; log "engine 2 stopped" ;;
  start) daemon_start; log "engine 2 answers again" ;;
  *) die "usage: scripts/engine2.sh up|down|stop|start" ;;
esac
