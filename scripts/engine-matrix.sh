#!/usr/bin/env bash
# The engines of the test matrix besides the host's own (Docker 20.10 + Compose 2.26): each in a network
# namespace of its own, reached there as the default engine, so tests run on it exactly as on the host's.
# Run as root.
#   scripts/engine-matrix.sh up ENGINE           fetch what it needs, start it, give it the test images
#   scripts/engine-matrix.sh run ENGINE -- CMD   run CMD inside its namespace, where `docker` and
#                                                `docker compose` are that engine's (its socket at
#                                                /var/run/docker.sock, its Compose as the CLI plugin)
#   scripts/engine-matrix.sh down ENGINE         stop it and remove everything up made
# ENGINE:
#   docker28     Docker Engine 28.5.2 (containerd 2.1.9) with Compose 2.40.3, from Debian sid
#   podman       Podman 4.3.1 (Debian bookworm) behind its Docker-compatible socket, with Compose 2.40.3
#   podman5      Podman 5.8 (Debian sid) rootless, with pasta, as an account of its own (cilo-podman5): the
#                engine Podman users run today, with `published` access
#   compose240   the host's own engine with Compose 2.40.3 as its plugin (no namespace)
# Packages come from Debian's archive through an apt configuration of this script's own (its sources, lists
# and cache under the engine's directory): the system's apt never sees that source, nothing is installed,
# and `down` removes the files. Measured facts and pitfalls: docs/TEST-RIG.md, "Newer engines and Podman".
set -euo pipefail

ROOT=/var/lib/cilo-matrix
IMAGES=("${CILO_FIXTURE_IMAGE:-cilo-fixture:busybox}" "${CILO_TEST_ROUTER_IMAGE:-cilo-router:local}")

. "$(dirname "$0")/apt-source.sh"
log() { printf 'engine-matrix: %s\n' "$*" >&2; }
die() {
  printf 'engine-matrix: error: %s\n' "$*" >&2
  exit 1
}

[ "$(id -u)" = 0 ] || die "run as root (it makes network namespaces and starts engines)"
cmd=${1:-}
engine=${2:-}
case "$engine" in
  docker28) suite=sid pkgs=(docker.io docker-cli docker-compose containerd) ;;
  podman) suite=bookworm pkgs=(podman conmon golang-github-containers-common golang-github-containers-image netavark aardvark-dns catatonit libgpgme11 libassuan0 libsubid4 libdevmapper1.02.1) ;;
  # sid's Podman and its helpers need sid's glibc (2.38+): it comes with them, and patchelf points each
  # program at it (patch_for_private_glibc); the libraries listed are those bookworm lacks or has too old.
  podman5) suite=sid pkgs=(podman conmon crun passt netavark aardvark-dns catatonit golang-github-containers-common
    golang-github-containers-image libc6 libgcc-s1 libstdc++6 libatomic1 libgpgme45 libassuan9 libgpg-error0
    libseccomp2 libsqlite3-0 libsubid6 libyajl2 libjson-c5 libblake3-0 libcap2 libsystemd0 libselinux1
    libpcre2-8-0 libglib2.0-0t64 libffi8 libmount1 libblkid1 libzstd1 liblzma5 liblz4-1 libgcrypt20 libcap-ng0
    libaudit1 patchelf docker-compose) ;;
  compose240) suite=sid pkgs=(docker-compose) ;;
  *) die "name an engine: docker28, podman, podman5 or compose240" ;;
esac
dir=$ROOT/$engine
files=$dir/files  # the packages' files (dpkg -x)
run_dir=/run/cilo-matrix-$engine
sock=$run_dir/docker.sock
netns=cilo-$engine
# podman5 runs as this account; its socket is in a directory of the account's.
P5_USER=cilo-podman5
[ "$engine" = podman5 ] && sock=$run_dir/user/docker.sock
# Compose 2.40.3 drives every engine of the matrix.
compose_pkgs=(docker-compose)

# apt with this script's own sources, lists and cache: the system's apt configuration is neither read nor changed.
apt_private() {
  local a=$dir/apt
  apt-get -q -o Dir::Etc::SourceList="$a/sources.list" -o Dir::Etc::SourceParts="$a/none" \
    -o Dir::Etc::Preferences="$a/none/preferences" -o Dir::Etc::PreferencesParts="$a/none" \
    -o Dir::State::Lists="$a/lists" -o Dir::Cache="$a/cache" -o Dir::Cache::Archives="$a/archives" \
    -o APT::Sandbox::User=root "$@"
}

fetch() {
  [ -f "$dir/fetched" ] && return 0
  local a=$dir/apt uri
  mkdir -p "$a/none" "$a/lists/partial" "$a/cache" "$a/archives/partial" "$a/debs" "$files"
  uri=$(require_debian_archive_uri)
  local suites="$suite"
  [ "$suite" = sid ] || suites="$suite sid"
  : > "$a/sources.list"
  for s in $suites; do
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $s main" >> "$a/sources.list"
  done
  log "fetching ${pkgs[*]} ($suite) and Compose 2.40.3 (sid) into $dir"
  apt_private update > /dev/null
  (
    cd "$a/debs"
    local p
    for p in "${pkgs[@]}"; do apt_private download "$p/$suite" > /dev/null; done
    [ "$suite" = sid ] || for p in "${compose_pkgs[@]}"; do apt_private download "$p/sid" > /dev/null; done
  )
  local deb
  for deb in "$a"/debs/*.deb; do dpkg -x "$deb" "$files"; done
  [ "$engine" = podman5 ] && patch_for_private_glibc
  touch "$dir/fetched"
}

# Every dynamic program of the packages loads sid's glibc from $files: its interpreter and (transitive) rpath
# set there. A Go program (podman, rootlessport) survives patchelf only with a 64 KiB page size.
patch_for_private_glibc() {
  local lib=$files/usr/lib/x86_64-linux-gnu f
  local loader=$lib/ld-linux-x86-64.so.2
  mv "$files/usr/bin/patchelf" "$dir/patchelf"
  pe() { "$loader" --library-path "$lib" "$dir/patchelf" "$@"; }
  for f in "$files"/usr/bin/* "$files"/usr/libexec/podman/* "$files"/usr/lib/podman/*; do
    # Static programs (catatonit) and scripts have no interpreter to change.
    [ -f "$f" ] && [ ! -L "$f" ] && pe --print-interpreter "$f" > /dev/null 2>&1 || continue
    pe --page-size 65536 --set-interpreter "$loader" --force-rpath --set-rpath "$lib" "$f" || die "patchelf failed on $f"
  done
}

answers() { docker -H "unix://$sock" info > /dev/null 2>&1; }

netns_up() {
  ip netns list | grep -qw "$netns" || ip netns add "$netns"
  ip -n "$netns" link set lo up
}

docker28_up() {
  mkdir -p "$run_dir" "$dir/data"
  # Engine 28 writes its own bridge rules; the namespace keeps them away from the host's.
  echo '{}' > "$run_dir/daemon.json"
  PATH="$files/usr/bin:$files/usr/sbin:$PATH" nsenter --net="/run/netns/$netns" -- setsid dockerd \
    --config-file "$run_dir/daemon.json" --data-root "$dir/data" --exec-root "$run_dir/exec" \
    --pidfile "$run_dir/docker.pid" -H "unix://$sock" --cgroup-parent "/$netns" \
    --init-path /usr/bin/tini-static --userland-proxy-path "$files/usr/sbin/docker-proxy" \
    > "$run_dir/dockerd.log" 2>&1 < /dev/null &
}

# Podman reads its policy and registries from /etc/containers only, and the compat API looks for the init of
# `init: true` at /usr/libexec/podman whatever containers.conf says: the packages' copies are mounted there,
# in a mount namespace of its own (a directory the host lacks is made for the mount, and removed by down).
# Its catatonit there is a relative link to ../../bin, which the host's /usr/bin lacks: a copy in its place.
podman_mount_points() {
  cp --remove-destination "$files/usr/bin/catatonit" "$files/usr/libexec/podman/catatonit"
  local d
  for d in /etc/containers /usr/libexec/podman; do
    [ -d "$d" ] || { mkdir "$d" && echo "$d" >> "$run_dir/made-dirs"; }
  done
}

podman_up() {
  mkdir -p "$run_dir/tmp" "$dir/data" "$dir/runroot"
  # root here lacks CAP_SYS_RESOURCE: the default ulimits must fit what it may set (docs/TEST-RIG.md).
  cat > "$run_dir/containers.conf" << CONF
[containers]
seccomp_profile = "$files/usr/share/containers/seccomp.json"
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
init_path = "$files/usr/libexec/podman/catatonit"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
conmon_path = ["$files/usr/bin/conmon"]
helper_binaries_dir = ["$files/usr/libexec/podman", "$files/usr/lib/podman"]
network_cmd_path = ""
runtime = "runc"
tmp_dir = "$run_dir/tmp"
[engine.runtimes]
runc = ["/usr/sbin/runc"]
[network]
network_backend = "netavark"
network_config_dir = "$dir/networks"
CONF
  cat > "$run_dir/storage.conf" << CONF
[storage]
driver = "overlay"
graphroot = "$dir/data"
runroot = "$dir/runroot"
CONF
  podman_mount_points
  CONTAINERS_CONF=$run_dir/containers.conf CONTAINERS_STORAGE_CONF=$run_dir/storage.conf \
    LD_LIBRARY_PATH="$files/usr/lib/x86_64-linux-gnu" PATH="$files/usr/bin:$files/usr/sbin:$PATH" \
    nsenter --net="/run/netns/$netns" -- unshare --mount --propagation private -- \
    sh -c 'mount --bind "$1/etc/containers" /etc/containers && mount --bind "$1/usr/libexec/podman" /usr/libexec/podman && exec setsid "$1/usr/bin/podman" --log-level=warn system service --time=0 "unix://$2"' \
    sh "$files" "$sock" > "$run_dir/podman.log" 2>&1 < /dev/null &
  echo $! > "$run_dir/podman.pid"
}

# Rootless, as Podman users run it: the account cilo-podman5 with subordinate ids, pasta for its network. In
# the engine's namespace a veth pair with a default route gives pasta the interface it copies (nothing
# is routed out). /dev/net/tun is 0600 without udev: pasta gets a 0666 node of its own, bound over it in the
# service's mount namespace, so the host's node keeps its mode.
podman5_up() {
  id "$P5_USER" > /dev/null 2>&1 || useradd -m -s /usr/sbin/nologin "$P5_USER"
  grep -q "^$P5_USER:" /etc/subuid || die "useradd gave $P5_USER no subordinate uids (/etc/subuid)"
  install -d -m 0755 "$run_dir" "$run_dir/dev"
  install -d -m 0700 -o "$P5_USER" -g "$P5_USER" "$run_dir/user" "$dir/user-data"
  ip -n "$netns" link show cp5 > /dev/null 2>&1 || {
    ip -n "$netns" link add cp5 type veth peer name cp5-peer
    ip -n "$netns" link set cp5-peer up
    ip -n "$netns" addr add 192.0.2.1/24 dev cp5
    ip -n "$netns" link set cp5 up
    ip -n "$netns" route add default via 192.0.2.254 dev cp5
  }
  cat > "$run_dir/containers.conf" << CONF
[containers]
seccomp_profile = "$files/usr/share/containers/seccomp.json"
# A rootless account may not use the host's v1 cgroups: none (crun refuses hybrid mode, so the service's
# mount namespace hides the v2 part, /sys/fs/cgroup/unified).
cgroups = "disabled"
init_path = "$files/usr/libexec/podman/catatonit"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
conmon_path = ["$files/usr/bin/conmon"]
helper_binaries_dir = ["$files/usr/libexec/podman", "$files/usr/lib/podman", "$files/usr/bin"]
runtime = "crun"
tmp_dir = "$run_dir/user/tmp"
[engine.runtimes]
crun = ["$files/usr/bin/crun"]
[network]
network_backend = "netavark"
firewall_driver = "iptables"
default_rootless_network_cmd = "pasta"
CONF
  cat > "$run_dir/storage.conf" << CONF
[storage]
driver = "overlay"
graphroot = "$dir/user-data"
runroot = "$run_dir/user/containers"
CONF
  podman_mount_points
  nsenter --net="/run/netns/$netns" -- unshare --mount --propagation private -- sh -c '
    mount --bind "$1/etc/containers" /etc/containers && mount --bind "$1/usr/libexec/podman" /usr/libexec/podman &&
    mount -t tmpfs -o mode=0755 tmpfs "$2/dev" && mknod -m 0666 "$2/dev/tun" c 10 200 &&
    mount --bind "$2/dev/tun" /dev/net/tun && { ! mountpoint -q /sys/fs/cgroup/unified || umount /sys/fs/cgroup/unified; } &&
    exec setsid runuser -u "$3" -- env -i HOME="/home/$3" XDG_RUNTIME_DIR="$2/user" \
      PATH="$1/usr/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin" \
      CONTAINERS_CONF="$2/containers.conf" CONTAINERS_STORAGE_CONF="$2/storage.conf" PODMAN_IGNORE_CGROUPSV1_WARNING=1 \
      "$1/usr/bin/podman" --log-level=warn system service --time=0 "unix://$2/user/docker.sock"' \
    sh "$files" "$run_dir" "$P5_USER" > "$run_dir/podman.log" 2>&1 < /dev/null &
  echo $! > "$run_dir/podman.pid"
}

images_up() {
  local image
  for image in "${IMAGES[@]}"; do
    docker -H "unix://$sock" image inspect "$image" > /dev/null 2>&1 && continue
    docker image inspect "$image" > /dev/null 2>&1 || die "image $image is missing on the host's engine: run scripts/setup-host.sh"
    docker save "$image" | docker -H "unix://$sock" load > /dev/null
    # Podman names an image loaded without a registry localhost/NAME: give it its own name back.
    docker -H "unix://$sock" image inspect "$image" > /dev/null 2>&1 || docker -H "unix://$sock" tag "localhost/$image" "$image"
  done
}

up() {
  fetch
  [ "$engine" = compose240 ] && return 0
  netns_up
  if ! answers; then
    "${engine}_up"
    local started=0
    for _ in $(seq 1 120); do answers && { started=1; break; }; sleep 0.25; done
    [ "$started" = 1 ] || { tail -n 20 "$run_dir"/*.log >&2; die "$engine did not answer within 30 s (log: $run_dir)"; }
  fi
  images_up
  log "$engine answers at unix://$sock (namespace $netns)"
}

# Inside a mount namespace of its own: the engine's socket where docker looks by default, Compose 2.40.3 as
# the plugin. In the engine's network namespace, so its container addresses are reachable as on the host.
run_in() {
  local plugin=$files/usr/libexec/docker/cli-plugins/docker-compose
  [ -x "$plugin" ] || die "$engine is not fetched: run 'scripts/engine-matrix.sh up $engine' first"
  local binds="mount --bind '$plugin' /usr/libexec/docker/cli-plugins/docker-compose"
  local enter=()
  if [ "$engine" != compose240 ]; then
    answers || die "$engine does not answer: run 'scripts/engine-matrix.sh up $engine' first"
    binds="$binds && mount --bind '$sock' /var/run/docker.sock"
    enter=(nsenter --net="/run/netns/$netns" --)
  fi
  # docker28: its own CLI first on PATH (the one its users run).
  [ "$engine" = docker28 ] && export PATH="$files/usr/bin:$PATH"
  "${enter[@]}" unshare --mount --propagation private -- sh -c "$binds && exec \"\$@\"" sh "$@"
}

down() {
  if [ -f "$run_dir/docker.pid" ] || [ -f "$run_dir/podman.pid" ]; then
    answers && docker -H "unix://$sock" ps -aq | xargs -r docker -H "unix://$sock" rm -f > /dev/null 2>&1 || true
    local pid
    pid=$(cat "$run_dir/docker.pid" "$run_dir/podman.pid" 2> /dev/null | head -1 || true)
    [ -n "$pid" ] && kill "$pid" 2> /dev/null || true
    for _ in $(seq 1 80); do kill -0 "$pid" 2> /dev/null || break; sleep 0.25; done
  fi
  # Whatever is left in the namespace (containerd, shims, conmon, netavark's aardvark-dns) goes with it.
  if ip netns list | grep -qw "$netns"; then
    ip netns pids "$netns" | xargs -r kill -KILL 2> /dev/null || true
    ip netns delete "$netns"
  fi
  # The engine's mounts (overlay layers, its netns files) before its files.
  grep -o " $dir/[^ ]*\| $run_dir/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2> /dev/null || true
  [ -f "$run_dir/made-dirs" ] && xargs -r rmdir < "$run_dir/made-dirs" 2> /dev/null
  if [ "$engine" = podman5 ] && id "$P5_USER" > /dev/null 2>&1; then
    pkill -KILL -u "$P5_USER" 2> /dev/null || true
    for _ in $(seq 1 40); do pgrep -u "$P5_USER" > /dev/null || break; sleep 0.25; done
    userdel -r "$P5_USER" 2> /dev/null || true
    rm -rf "/home/$P5_USER"
    sed -i "/^$P5_USER:/d" /etc/subuid /etc/subgid
  fi
  rm -rf "$run_dir" "$dir"
  rmdir "$ROOT" 2> /dev/null || true
}

case "$cmd" in
  up) up ;;
  run)
    shift 2
    [ "${1:-}" = -- ] && shift
    [ $# -gt 0 ] || die "run $engine -- COMMAND..."
    run_in "$@"
    ;;
  down) down ;;
  *) die "usage: engine-matrix.sh up|run|down ENGINE" ;;
esac
