#!/usr/bin/env bash
# The demo, from a fresh clone: prepares the host, builds, then shows cilo's two main jobs with the real
# engine and cleans up after itself. It uses a throw-away CILO_HOME and DNS port, never ~/.cilo.
#  1. Two copies of one compose project whose services publish the same host ports, side by side.
#  2. The seed's use case 1: a long-lived `db` environment published as cilo-shared-db, two frontends
#     that reach its service by name, and the destroy that cilo refuses while they use it.
#  3. (As root) the same project on a rootless engine, whose container addresses the host cannot reach:
#     ports cilo chooses, and the same router names (scripts/engine-rootless.sh starts and removes it).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bash scripts/setup-host.sh --demo
[ -f node_modules/.package-lock.json ] || bash scripts/npm-ci.sh
npm run build --silent

export CILO_HOME; CILO_HOME=$(mktemp -d /tmp/cilo-demo.XXXXXX)
export CILO_DNS_PORT="${CILO_DNS_PORT:-15353}" NO_COLOR="${NO_COLOR-}"
# The router's image, built from Debian's Caddy by setup-host.sh (the demo pulls nothing).
export CILO_ROUTER_IMAGE="${CILO_ROUTER_IMAGE:-cilo-router:local}"
ROOTLESS=unix:///run/cilo-rootless/docker.sock
started_rootless=false
cilo() { "$root/bin/cilo" "$@"; }
cilo_compose() { "$root/dist/cilo-compose" "$@"; }
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
lookup() { dig +short @127.0.0.1 -p "$CILO_DNS_PORT" "$1" | head -1; }

cleanup() {
  set +e
  for env in frontend-2 frontend-1 db alpha beta gamma; do cilo destroy "$env" --force >/dev/null 2>&1; done
  cilo router stop --purge >/dev/null 2>&1
  DOCKER_HOST=$ROOTLESS cilo router stop --purge >/dev/null 2>&1
  $started_rootless && bash "$root/scripts/engine-rootless.sh" down >/dev/null 2>&1
  cilo dns stop >/dev/null 2>&1
  rm -rf "$CILO_HOME"
}
trap cleanup EXIT

say "1. Two copies of fixtures/webapp (web publishes 8080, api 8081) side by side"
cd "$root/fixtures/webapp"
run cilo_compose -p alpha up -d
run cilo_compose -p beta up -d
run cilo list
run cilo status alpha
run cilo status beta
say "each copy answers on its own address and DNS name (cilo's dnsmasq on 127.0.0.1:$CILO_DNS_PORT)"
for env in alpha beta; do
  for svc in web api; do
    name="$svc.$env.test"; ip=$(lookup "$name")
    printf '%-16s -> %-12s  http: %s\n' "$name" "$ip" "$(curl -s --max-time 5 "http://$ip/")"
  done
done
say "inside alpha's containers, names resolve to alpha's own services (Docker's embedded DNS)"
run docker exec alpha-worker-1 wget -qO- http://web.alpha.test
say "no host ports are published:"
run docker ps --filter label=cilo.project=webapp --format 'table {{.Names}}\t{{.Ports}}'
say "and the router serves every copy by name (http://<service>.<env>.localhost, no DNS setup needed)"
for env in alpha beta; do
  url=$(cilo env "$env" | sed -n 's/^WEB_URL=//p')
  printf '%-36s %s\n' "$url" "$(curl -s --max-time 5 "$url")"
done

say "2. Shared resources: a long-lived db environment that two frontends use"
cd "$root"
run cilo create db --from fixtures/db
run cilo up db --create-shared
run cilo create frontend-1 --from fixtures/frontend --shared-network cilo-shared-db
run cilo create frontend-2 --from fixtures/frontend --shared-network cilo-shared-db
run cilo up frontend-1
run cilo up frontend-2
say "each frontend reaches the db's service by name, from inside its containers"
run docker exec frontend-1-app-1 wget -qO- http://postgres.db.test
run docker exec frontend-2-app-1 wget -qO- http://postgres.db.test
say "and from the host, through cilo's dnsmasq: postgres.db.test -> $(lookup postgres.db.test)"
run curl -s "http://$(lookup postgres.db.test)/"
run cilo shared list
say "destroying db while frontends use it is refused, and changes nothing:"
if cilo destroy db; then echo "demo: unexpected: destroy succeeded" >&2; exit 1; fi
run cilo shared inspect cilo-shared-db

if [ "$(id -u)" = 0 ]; then
  say "3. The same project on a rootless engine: the host cannot reach its container addresses"
  DOCKER_HOST=$ROOTLESS docker info >/dev/null 2>&1 || { started_rootless=true; bash scripts/engine-rootless.sh up >/dev/null; }
  cd "$root/fixtures/webapp"
  run env DOCKER_HOST=$ROOTLESS "$root/dist/cilo-compose" -p gamma up -d
  run cilo status gamma
  run cilo env gamma
  say "each service on the port cilo chose, and the same router names:"
  eval "$(cilo env gamma --format shell)"
  printf '127.0.0.1:%-6s %s\n' "$WEB_PORT" "$(curl -s --max-time 5 "http://127.0.0.1:$WEB_PORT/")"
  printf '%-36s %s\n' "$WEB_URL" "$(curl -s --max-time 5 "$WEB_URL")"
  run cilo destroy gamma
  cd "$root"
else
  say "3. skipped: the rootless engine of part 3 is started by scripts/engine-rootless.sh, which needs root"
fi

say "cleanup: consumers first, then the publisher, then the two copies"
run cilo destroy frontend-1
run cilo destroy frontend-2
run cilo destroy db
run cilo destroy alpha
run cilo destroy beta
run cilo list
echo
echo "demo: done; cilo-labelled containers left: $(docker ps -aq --filter label=cilo.managed=true --filter label=cilo.env | wc -l), networks left: $(docker network ls -q --filter label=cilo.managed=true | wc -l)"
