#!/usr/bin/env bash
# Makes this machine ready for cilo's integration tests and demo. Idempotent.
#
# On Debian as root it installs what is missing (Docker Engine, the Compose v2 plugin, dnsmasq, dig, busybox),
# starts dockerd in the background if `docker info` does not answer, and builds the local fixture image.
# Anywhere else it reports what is missing and how to get it, and changes nothing.
#   --demo  only what `npm run demo` uses (an ordinary user in the docker group needs nothing else): not the
#           shells, namespaces and rootless engine of the tests' rig.
set -euo pipefail
for_demo=false
[ "${1:-}" = --demo ] && for_demo=true

FIXTURE_IMAGE="${CILO_FIXTURE_IMAGE:-cilo-fixture:busybox}"
# The router image the tests use in place of caddy:2 (no registry here): Debian's caddy, in an image of its own.
ROUTER_IMAGE="${CILO_TEST_ROUTER_IMAGE:-cilo-router:local}"
. "$(dirname "$0")/apt-source.sh"
log() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

# On PATH, or where the system keeps programs a user's PATH leaves out (Debian's dnsmasq is in /usr/sbin).
prog() {
  command -v "$1" 2>/dev/null && return 0
  local d
  for d in /usr/local/sbin /usr/sbin /sbin; do [ -x "$d/$1" ] && { echo "$d/$1"; return 0; }; done
  return 1
}
have() { prog "$1" >/dev/null; }
compose_ok() { docker compose version >/dev/null 2>&1; }
docker_up() { docker info >/dev/null 2>&1; }

missing=()
# A client whose engine answers needs no dockerd here.
docker_up || have dockerd || missing+=("docker engine (dockerd)")
have docker || missing+=("docker CLI")
compose_ok || missing+=("docker compose v2 plugin (>= 2.24)")
have dnsmasq || missing+=("dnsmasq")
have dig || missing+=("dig")
docker image inspect "$FIXTURE_IMAGE" >/dev/null 2>&1 || [ -x /bin/busybox ] || missing+=("busybox-static (/bin/busybox)")
docker image inspect "$ROUTER_IMAGE" >/dev/null 2>&1 || have caddy || missing+=("caddy (for the router image)")
have curl || missing+=("curl")
if ! $for_demo; then
  # The shells `cilo shell-init` and `cilo completion` are tested in.
  have zsh || missing+=("zsh")
  have fish || missing+=("fish")
  # The second engine of the multi-engine tests (scripts/engine2.sh) lives in a network namespace.
  have ip || missing+=("ip (iproute2)")
  have nsenter || missing+=("nsenter (util-linux)")
  # The rootless engine (scripts/engine-rootless.sh) and the router image of the tests.
  have rootlesskit || missing+=("rootlesskit")
  have slirp4netns || missing+=("slirp4netns")
  have newuidmap || missing+=("newuidmap (uidmap)")
fi

is_debian() { [ -r /etc/os-release ] && . /etc/os-release && [ "${ID:-}" = debian ]; }

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! is_debian; then
    log "missing: ${missing[*]}"
    cat >&2 <<'TXT'
setup: this script installs them only on Debian as root. Elsewhere, install:
  - Docker Engine and the Compose v2 plugin >= 2.24   https://docs.docker.com/engine/install/
  - dnsmasq and dig     Debian/Ubuntu: apt-get install dnsmasq-base dnsutils   macOS: brew install dnsmasq bind
  - busybox (static)    Debian/Ubuntu: apt-get install busybox-static (only for building the test fixture image)
  - zsh and fish        only for the tests of cilo's shell integration
  - iproute2, util-linux (ip, nsenter) only for the multi-engine tests (scripts/engine2.sh)
  - rootlesskit, slirp4netns, uidmap, caddy only for the rootless engine and router tests
then run this script again to build the fixture image.
TXT
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  # Compose v2 is not packaged for bookworm; trixie's static binary runs here (needs libc6 >= 2.34).
  # The pin keeps trixie from ever being picked for anything we do not name explicitly.
  if ! compose_ok && [ ! -f /etc/apt/sources.list.d/cilo-trixie.sources ]; then
    . /etc/os-release
    uri=$(require_debian_archive_uri)
    cat > /etc/apt/sources.list.d/cilo-trixie.sources <<SRC
Types: deb
URIs: $uri
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    cat > /etc/apt/preferences.d/cilo-trixie <<'PIN'
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN
  fi
  log "apt-get update"
  apt-get update -qq >/dev/null
  pkgs=()
  have dockerd || pkgs+=(docker.io)
  have dnsmasq || pkgs+=(dnsmasq-base)
  have dig || pkgs+=(dnsutils)
  [ -x /bin/busybox ] || pkgs+=(busybox-static)
  have zsh || pkgs+=(zsh)
  have fish || pkgs+=(fish)
  have ip || pkgs+=(iproute2)
  have nsenter || pkgs+=(util-linux)
  have rootlesskit || pkgs+=(rootlesskit)
  have slirp4netns || pkgs+=(slirp4netns)
  have newuidmap || pkgs+=(uidmap)
  have caddy || pkgs+=(caddy)
  have curl || pkgs+=(curl)
  # ssh and ssh-keygen for the engine reached over ssh (scripts/engine-remote.sh unpacks its sshd itself).
  have ssh-keygen || pkgs+=(openssh-client)
  if [ ${#pkgs[@]} -gt 0 ]; then
    log "installing ${pkgs[*]}"
    apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
  fi
  if ! compose_ok; then
    log "installing docker-compose from trixie"
    apt-get install -y -qq --no-install-recommends docker-compose/trixie >/dev/null
  fi
fi

# A dockerd that is alive (not a zombie: its command line is empty then) by the pid in its pid file.
live_dockerd() {
  local pid
  pid=$(cat /var/run/docker.pid 2>/dev/null) || return 1
  [ -n "$pid" ] && grep -qa dockerd "/proc/$pid/cmdline" 2>/dev/null
}

if ! docker_up; then
  [ "$(id -u)" = 0 ] || die "the Docker daemon does not answer; start it (e.g. 'sudo systemctl start docker') and rerun"
  if live_dockerd; then
    log "dockerd (pid $(cat /var/run/docker.pid)) runs but does not answer yet: waiting for it"
  else
    # A dockerd that died (kill -9, OOM) leaves its pid file, and a new one refuses to start while it is there.
    [ -f /var/run/docker.pid ] && { log "removing the pid file of a dockerd that is gone"; rm -f /var/run/docker.pid; }
    # Its own containerd is killed with it, but while that pid still exists (exiting, or a zombie), a new
    # dockerd takes it for running and waits for its socket in vain: let it go, then drop its pid file.
    containerd_pid=/var/run/docker/containerd/containerd.pid
    for _ in $(seq 1 40); do
      pid=$(cat "$containerd_pid" 2>/dev/null) || break
      grep -qa containerd "/proc/$pid/cmdline" 2>/dev/null || { rm -f "$containerd_pid"; break; }
      sleep 0.25
    done
    log "starting dockerd in the background (log: /var/log/cilo-dockerd.log)"
    setsid nohup dockerd >/var/log/cilo-dockerd.log 2>&1 < /dev/null &
  fi
  for _ in $(seq 1 60); do docker_up && break; sleep 0.5; done
  docker_up || die "dockerd did not come up within 30 s; see /var/log/cilo-dockerd.log"
fi
compose_ok || die "docker compose v2 is not available after install"

if ! docker image inspect "$FIXTURE_IMAGE" >/dev/null 2>&1; then
  [ -x /bin/busybox ] || die "/bin/busybox is missing; install busybox-static"
  log "building fixture image $FIXTURE_IMAGE from the local busybox (no registry)"
  root=$(mktemp -d)
  trap 'rm -rf "$root"' EXIT
  mkdir -p "$root/bin" "$root/www" "$root/tmp" "$root/etc"
  cp /bin/busybox "$root/bin/busybox"
  for app in sh httpd wget nc nslookup sleep cat echo hostname ip ifconfig ls printf env true false kill ps grep sed; do
    ln -s busybox "$root/bin/$app"
  done
  echo 'root:x:0:0:root:/:/bin/sh' > "$root/etc/passwd"
  echo 'root:x:0:' > "$root/etc/group"
  tar -C "$root" -c . | docker import \
    --change 'CMD ["/bin/sh"]' --change 'ENV PATH=/bin' \
    - "$FIXTURE_IMAGE" >/dev/null
fi
# The router image: Debian's caddy with the libraries it links, its loader and CA certificates, imported
# (docs/TEST-RIG.md, "Caddy as the router"); cilo runs it with its own command and config.
if ! docker image inspect "$ROUTER_IMAGE" >/dev/null 2>&1; then
  log "building router image $ROUTER_IMAGE from Debian's caddy (no registry)"
  rroot=$(mktemp -d)
  mkdir -p "$rroot/usr/bin" "$rroot/etc/ssl/certs" "$rroot/data" "$rroot/config" "$rroot/tmp"
  chmod 1777 "$rroot/tmp"
  cp /usr/bin/caddy "$rroot/usr/bin/caddy"
  for lib in $(ldd /usr/bin/caddy | grep -o '/[^ ]*'); do
    mkdir -p "$rroot$(dirname "$lib")"
    cp -L "$lib" "$rroot$lib"
  done
  cp -L /etc/ssl/certs/ca-certificates.crt "$rroot/etc/ssl/certs/"
  echo 'root:x:0:0:root:/data:/usr/bin/caddy' > "$rroot/etc/passwd"
  echo 'root:x:0:' > "$rroot/etc/group"
  tar -C "$rroot" -c . | docker import \
    --change 'ENV XDG_DATA_HOME=/data XDG_CONFIG_HOME=/config HOME=/data PATH=/usr/bin' \
    --change 'CMD ["caddy", "run"]' - "$ROUTER_IMAGE" >/dev/null
  rm -rf "$rroot"
fi
log "ready: $(docker version --format 'engine {{.Server.Version}}'), $(docker compose version --short | sed 's/^/compose /'), $("$(prog dnsmasq)" --version | head -1 | awk '{print "dnsmasq", $3}')"
