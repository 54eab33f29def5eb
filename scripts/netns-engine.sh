# Sourced by scripts/engine2.sh and scripts/engine-remote.sh: a network namespace with a veth link to the host,
# and a dockerd of the host's package inside it. The caller defines NS, RUN, DATA, die() and answers().

wait_for() {
  local what=$1
  shift
  for _ in $(seq 1 120); do "$@" && return 0; sleep 0.25; done
  die "$what did not happen within 30 s"
}

# netns_link HOST_IF NS_IF HOST_IP NS_IP: the namespace and its /24 link (both made once).
netns_link() {
  mkdir -p "$RUN"
  if ! ip netns list | grep -qw "$NS"; then
    # The first `ip netns add` on a machine mounts /run/netns: noted, so down can leave it as it was.
    mountpoint -q /run/netns 2> /dev/null || touch "$RUN/netns-mount-made"
    ip netns add "$NS"
  fi
  ip link show "$1" > /dev/null 2>&1 && return 0
  ip link add "$1" type veth peer name "$2"
  ip link set "$2" netns "$NS"
  ip addr add "$3/24" dev "$1"
  ip link set "$1" up
  ip netns exec "$NS" ip addr add "$4/24" dev "$2"
  ip netns exec "$NS" ip link set "$2" up
  ip netns exec "$NS" ip link set lo up
}

# netns_dockerd WHAT DATA_ROOT [DOCKERD OPTION...]: starts the namespace's dockerd unless it answers.
netns_dockerd() {
  answers && return 0
  local what=$1 data_root=$2
  shift 2
  mkdir -p "$RUN" "$DATA"
  # Engine 20.10 derives its ID from a key file: without one of its own it would report the host engine's ID.
  printf '{"deprecated-key-path": "%s/key.json"}\n' "$DATA" > "$RUN/daemon.json"
  rm -f "$RUN/docker.pid"
  # nsenter, not `ip netns exec`: that one remounts /sys and hides the cgroup mounts dockerd needs.
  nsenter --net="/run/netns/$NS" -- setsid dockerd --data-root "$data_root" --exec-root "$RUN/exec" \
    --pidfile "$RUN/docker.pid" --config-file "$RUN/daemon.json" "$@" > "$RUN/dockerd.log" 2>&1 < /dev/null &
  wait_for "$what answering (see $RUN/dockerd.log)" answers
}
