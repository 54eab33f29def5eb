#!/usr/bin/env bash
# An engine reached only over ssh, as people reach a build box (`DOCKER_HOST=ssh://…`): a dockerd in a network
# namespace of its own, with an sshd beside it, unpacked from Debian's openssh-server into a private directory
# (installing the package would start an sshd on the host). docs/TEST-RIG.md, "An engine reached over ssh".
#   scripts/engine-remote.sh up              start it; prints the DOCKER_HOST (ssh://root@cilo-remote). Idempotent.
#                                            The same engine answers at tcp://10.98.0.2:2375 (no TLS).
#   scripts/engine-remote.sh restart-sshd    kill every sshd of the namespace (each session drops), start it again
#   scripts/engine-remote.sh down            remove everything up made
# Run as root. The link is 10.98.0.0/24 (host .1, remote .2); its loopback is the remote machine's: a port the
# engine publishes on 127.0.0.1 is reached from here only through an ssh forward.
set -euo pipefail

NS=cilo-remote
RUN=/run/cilo-remote
DATA=/var/lib/cilo-remote
SSH_DIR=$DATA/ssh
SOCK=$RUN/docker.sock
HOST_IP=10.98.0.1
NS_IP=10.98.0.2
ALIAS=cilo-remote
SSH_CONFIG=/root/.ssh/config
MARK_BEGIN="# cilo-remote begin (scripts/engine-remote.sh: down removes this block)"
MARK_END="# cilo-remote end"
IMAGES=("${CILO_FIXTURE_IMAGE:-cilo-fixture:busybox}" "${CILO_TEST_ROUTER_IMAGE:-cilo-router:local}")

# shellcheck source=scripts/netns-engine.sh
source "$(dirname "$0")/netns-engine.sh"

log() { printf 'engine-remote: %s\n' "$*" >&2; }
die() {
  printf 'engine-remote: error: %s\n' "$*" >&2
  exit 1
}
remote() { docker -H "unix://$SOCK" "$@"; }
answers() { remote info > /dev/null 2>&1; }

# Also on plain tcp:// at the remote address: the engine reached another way than ssh (no forward is
# possible); --tls=false says so, else dockerd waits 15 s to show its warning.
daemon_start() {
  netns_dockerd "the remote engine" "$DATA/docker" -H "unix://$SOCK" -H "tcp://$NS_IP:2375" --tls=false
}

# openssh-server and what its sshd loads that the host lacks, from the machine's own apt sources.
sshd_fetch() {
  [ -x "$SSH_DIR/files/usr/sbin/sshd" ] && return 0
  mkdir -p "$SSH_DIR/debs"
  (cd "$SSH_DIR/debs" && { apt-get download openssh-server openssh-sftp-server libwrap0 > /dev/null 2>&1 ||
    { apt-get update -qq && apt-get download openssh-server openssh-sftp-server libwrap0 > /dev/null; }; }) ||
    die "apt-get download openssh-server failed: this machine's apt sources must name a Debian archive"
  local deb
  for deb in "$SSH_DIR"/debs/*.deb; do dpkg -x "$deb" "$SSH_DIR/files"; done
}

sshd_config() {
  # Privilege separation needs the account sshd and /run/sshd; both are noted when made here, for down.
  id sshd > /dev/null 2>&1 || {
    useradd --system --no-create-home --home-dir /run/sshd --shell /usr/sbin/nologin sshd
    touch "$DATA/sshd-user-made"
  }
  [ -d /run/sshd ] || { mkdir -m 0755 /run/sshd && touch "$DATA/run-sshd-made"; }
  [ -f "$SSH_DIR/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$SSH_DIR/host_ed25519"
  [ -f "$SSH_DIR/client_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$SSH_DIR/client_ed25519"
  cp "$SSH_DIR/client_ed25519.pub" "$SSH_DIR/authorized_keys"
  cat > "$SSH_DIR/sshd_config" << CONF
ListenAddress $NS_IP
HostKey $SSH_DIR/host_ed25519
AuthorizedKeysFile $SSH_DIR/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
UsePAM no
StrictModes no
AllowTcpForwarding yes
MaxSessions 100
MaxStartups 100:30:200
PidFile $RUN/sshd.pid
CONF
}

# In a mount namespace of its own, the engine's socket is bound over /var/run/docker.sock: Docker's ssh
# transport runs `docker system dial-stdio` there, which opens that path.
sshd_start() {
  [ -f "$RUN/sshd.pid" ] && kill -0 "$(cat "$RUN/sshd.pid")" 2> /dev/null && return 0
  nsenter --net="/run/netns/$NS" -- unshare --mount --propagation private -- sh -c '
    mount --bind "$1" /var/run/docker.sock &&
    exec env LD_LIBRARY_PATH="$2/usr/lib/x86_64-linux-gnu:$2/lib/x86_64-linux-gnu" "$2/usr/sbin/sshd" -D -f "$3" -E "$4"' \
    sh "$SOCK" "$SSH_DIR/files" "$SSH_DIR/sshd_config" "$RUN/sshd.log" < /dev/null > /dev/null 2>&1 &
  wait_for "sshd answering on $NS_IP:22 (see $RUN/sshd.log)" ssh_answers
}

ssh_answers() { ssh -o BatchMode=yes -o ConnectTimeout=2 "root@$ALIAS" true 2> /dev/null; }

client_config() {
  [ -d /root/.ssh ] || { mkdir -m 0700 /root/.ssh && touch "$DATA/ssh-dir-made"; }
  [ -f "$SSH_CONFIG" ] || { touch "$SSH_CONFIG" && touch "$DATA/ssh-config-made"; }
  grep -qF "$MARK_BEGIN" "$SSH_CONFIG" && return 0
  # At the top: the first value ssh finds for a host wins.
  local rest
  rest=$(cat "$SSH_CONFIG")
  {
    printf '%s\nHost %s\n  HostName %s\n  IdentityFile %s\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n%s\n' \
      "$MARK_BEGIN" "$ALIAS" "$NS_IP" "$SSH_DIR/client_ed25519" "$MARK_END"
    printf '%s\n' "$rest"
  } > "$SSH_CONFIG.cilo-tmp"
  chmod 0600 "$SSH_CONFIG.cilo-tmp"
  mv "$SSH_CONFIG.cilo-tmp" "$SSH_CONFIG"
}

sshd_kill() {
  # Every sshd of the namespace: the listener and each session's.
  local pid
  for pid in $(ip netns pids "$NS" 2> /dev/null); do
    [ "$(cat "/proc/$pid/comm" 2> /dev/null)" = sshd ] && kill -9 "$pid" 2> /dev/null
  done
  rm -f "$RUN/sshd.pid"
}

up() {
  [ "$(id -u)" = 0 ] || die "needs root (a network namespace, a dockerd, an sshd)"
  docker info > /dev/null 2>&1 || die "the host's engine does not answer: run scripts/setup-host.sh first"
  netns_link cilo-rm-host cilo-rm-ns "$HOST_IP" "$NS_IP"
  daemon_start
  sshd_fetch
  sshd_config
  client_config
  sshd_start
  local image
  for image in "${IMAGES[@]}"; do
    remote image inspect "$image" > /dev/null 2>&1 || docker save "$image" | remote load > /dev/null
  done
  log "up: DOCKER_HOST=ssh://root@$ALIAS (engine socket $SOCK inside the namespace $NS)"
  echo "ssh://root@$ALIAS"
}

down() {
  sshd_kill
  if answers; then
    ids=$(remote ps -aq)
    [ -z "$ids" ] || remote rm -f $ids > /dev/null 2>&1 || true
  fi
  local pid
  if pid=$(cat "$RUN/docker.pid" 2> /dev/null) && kill "$pid" 2> /dev/null; then
    for _ in $(seq 1 80); do kill -0 "$pid" 2> /dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2> /dev/null || true
  fi
  # What is left in the namespace (a session's docker dial-stdio) goes with it.
  for pid in $(ip netns pids "$NS" 2> /dev/null); do kill -9 "$pid" 2> /dev/null || true; done
  ip link del cilo-rm-host 2> /dev/null || true
  ip netns del "$NS" 2> /dev/null || true
  if [ -f "$RUN/netns-mount-made" ] && [ -z "$(ip netns list)" ]; then umount /run/netns 2> /dev/null || true; fi
  { grep -o " $RUN[^ ]*\| $DATA[^ ]*" /proc/mounts || true; } | sort -r | while read -r m; do umount -l "$m" 2> /dev/null || true; done
  [ ! -f "$DATA/sshd-user-made" ] || userdel sshd 2> /dev/null || true
  [ ! -f "$DATA/run-sshd-made" ] || rmdir /run/sshd 2> /dev/null || true
  if [ -f "$SSH_CONFIG" ] && grep -qF "$MARK_BEGIN" "$SSH_CONFIG"; then
    awk -v b="$MARK_BEGIN" -v e="$MARK_END" '$0 == b { skip = 1 } !skip { print } $0 == e { skip = 0 }' \
      "$SSH_CONFIG" > "$SSH_CONFIG.cilo-tmp"
    chmod 0600 "$SSH_CONFIG.cilo-tmp"
    mv "$SSH_CONFIG.cilo-tmp" "$SSH_CONFIG"
  fi
  if [ -f "$DATA/ssh-config-made" ] && ! grep -q '[^[:space:]]' "$SSH_CONFIG" 2> /dev/null; then rm -f "$SSH_CONFIG"; fi
  [ ! -f "$DATA/ssh-dir-made" ] || rmdir /root/.ssh 2> /dev/null || true
  rm -rf "$RUN" "$DATA"
  log "down: the remote engine, its sshd and the ssh alias removed"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  restart-sshd)
    sshd_kill
    sshd_start
    log "sshd restarted: every session dropped"
    ;;
  *) die "usage: scripts/engine-remote.sh up|restart-sshd|down" ;;
esac
