#!/usr/bin/env bash
# A rootless Docker engine on this machine: the engine whose container addresses the host cannot reach (like
# Docker Desktop, Podman and remote engines), for cilo's `published` access tests. Run as root.
#   scripts/engine-rootless.sh up     create the user, start its engine (unix:///run/cilo-rootless/docker.sock),
#                                     give it the fixture and router images; prints the socket. Idempotent.
#   scripts/engine-rootless.sh down   stop it and remove what up made: the engine's data, the user (and its
#                                     subordinate ids), the runtime directory; /dev/net/tun keeps its mode.
# CILO_ROOTLESS_GROUP=docker: `up` also lets that group use the engine's socket (the suite as an ordinary
# user, scripts/test-as-user.sh); otherwise only root and the engine's user reach it.
# Measured facts and pitfalls: docs/TEST-RIG.md, "A rootless engine".
set -euo pipefail

USER_NAME=cilo-rootless
RUN=/run/cilo-rootless
SOCK="unix://$RUN/docker.sock"
CONTRIB=/usr/share/docker.io/contrib
IMAGES=("${CILO_FIXTURE_IMAGE:-cilo-fixture:busybox}" "${CILO_TEST_ROUTER_IMAGE:-cilo-router:local}")

log() { printf 'engine-rootless: %s\n' "$*" >&2; }
die() { printf 'engine-rootless: error: %s\n' "$*" >&2; exit 1; }
rl() { docker -H "$SOCK" "$@"; }
answers() { rl info > /dev/null 2>&1; }

prerequisites() {
  [ "$(id -u)" = 0 ] || die "run as root (it creates a user and starts an engine for it)"
  [ -x "$CONTRIB/dockerd-rootless.sh" ] || die "$CONTRIB/dockerd-rootless.sh is missing: install docker.io (scripts/setup-host.sh)"
  for b in rootlesskit slirp4netns newuidmap; do
    command -v "$b" > /dev/null || die "$b is missing: apt-get install rootlesskit slirp4netns uidmap (scripts/setup-host.sh)"
  done
}

user_up() {
  id "$USER_NAME" > /dev/null 2>&1 || useradd -m -s /usr/sbin/nologin "$USER_NAME"
  grep -q "^$USER_NAME:" /etc/subuid || die "useradd gave $USER_NAME no subordinate uids (/etc/subuid)"
  install -d -m 0700 -o "$USER_NAME" -g "$USER_NAME" "$RUN"
}

daemon_up() {
  answers && return 0
  # rootlesskit opens /dev/net/tun as the user; without udev it is 0600 here. Opened only while the engine
  # starts: its mode goes back as soon as the engine answers.
  local tun_mode
  tun_mode=$(stat -c %a /dev/net/tun)
  chmod 0666 /dev/net/tun
  setsid runuser -u "$USER_NAME" -- env -i HOME="/home/$USER_NAME" XDG_RUNTIME_DIR="$RUN" \
    PATH="/usr/sbin:/usr/bin:/sbin:/bin:$CONTRIB" dockerd-rootless.sh > "$RUN/dockerd.log" 2>&1 < /dev/null &
  local started=0
  for _ in $(seq 1 240); do answers && { started=1; break; }; sleep 0.25; done
  chmod "$tun_mode" /dev/net/tun
  [ "$started" = 1 ] || { tail -n 20 "$RUN/dockerd.log" >&2; die "the rootless engine did not answer within 60 s (log: $RUN/dockerd.log)"; }
}

images_up() {
  for image in "${IMAGES[@]}"; do
    rl image inspect "$image" > /dev/null 2>&1 && continue
    docker image inspect "$image" > /dev/null 2>&1 || die "image $image is missing on the main engine: run scripts/setup-host.sh"
    docker save "$image" | rl load > /dev/null
  done
}

down() {
  if [ -f "$RUN/docker.pid" ]; then
    local pid
    pid=$(cat "$RUN/docker.pid")
    # The engine runs under rootlesskit (its parent), which takes the network namespace with it.
    local parent
    parent=$(ps -o ppid= -p "$pid" 2> /dev/null | tr -d ' ' || true)
    kill "$pid" 2> /dev/null || true
    for _ in $(seq 1 80); do kill -0 "$pid" 2> /dev/null || break; sleep 0.25; done
    [ -n "$parent" ] && [ "$parent" != 1 ] && kill "$parent" 2> /dev/null || true
  fi
  # Whatever the user still runs (rootlesskit, slirp4netns, containerd-shims) goes with it.
  if id "$USER_NAME" > /dev/null 2>&1; then
    pkill -KILL -u "$USER_NAME" 2> /dev/null || true
    for _ in $(seq 1 40); do pgrep -u "$USER_NAME" > /dev/null || break; sleep 0.25; done
    # The engine's files are the user's, some owned by its subordinate ids: removed as root.
    userdel -r "$USER_NAME" 2> /dev/null || true
    rm -rf "/home/$USER_NAME"
  fi
  sed -i "/^$USER_NAME:/d" /etc/subuid /etc/subgid
  rm -rf "$RUN"
}

# The socket for CILO_ROOTLESS_GROUP: the directory traversable by the group, the socket read-write.
share() {
  [ -n "${CILO_ROOTLESS_GROUP:-}" ] || return 0
  chgrp "$CILO_ROOTLESS_GROUP" "$RUN" "$RUN/docker.sock"
  chmod 0710 "$RUN"
  chmod 0660 "$RUN/docker.sock"
}

case "${1:-}" in
  up)
    prerequisites
    user_up
    daemon_up
    images_up
    share
    echo "$SOCK"
    ;;
  down) down ;;
  *) die "usage: $0 up|down" ;;
esac
