#!/usr/bin/env bash
# The integration suite as developers run cilo (docs/DESIGN.md §13): as an ordinary account
# in the `docker` group, with Debian's default PATH (/usr/local/bin:/usr/bin:/bin, no sbin), its own home and
# its own npm install of this tree. Root only makes the account and copies the tree. Afterwards nothing in
# that home may belong to another account. Needs root; CILO_AS_USER=off skips it on a laptop (never in CI).
# The tests that need root themselves (a second engine in a namespace, mounts, acting as another account)
# stay in the root suite; the rootless engine of the published tests is started here, as root.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf 'test-as-user: %s\n' "$*" >&2; }
die() { printf 'test-as-user: error: %s\n' "$*" >&2; exit 1; }
if [ -z "${CI:-}" ] && { [ "${CILO_AS_USER:-}" = off ] || [ "${CILO_SKIP_INTEGRATION:-}" = 1 ]; }; then
  log "skipped (CILO_AS_USER=off or CILO_SKIP_INTEGRATION=1)"
  exit 0
fi
[ "$(id -u)" = 0 ] || die "run as root (it makes the account the suite runs as)"

USER_NAME=cilo-dev
FILES=(smoke environments dns router published shared agents mcp signals ownership names)
getent group docker > /dev/null || die "no docker group: the engine's socket must be the docker group's"
id "$USER_NAME" > /dev/null 2>&1 || useradd -m -s /bin/bash -G docker "$USER_NAME"
id -nG "$USER_NAME" | grep -qw docker || usermod -aG docker "$USER_NAME"
home=$(getent passwd "$USER_NAME" | cut -d: -f6)
tree=$home/cilo
rm -rf "$tree"
mkdir -p "$tree"
tar --exclude=./node_modules --exclude=./dist --exclude=./.cache -cf - . | tar -C "$tree" -xf -
chown -R "$USER_NAME:" "$tree"

# The rootless engine of the published tests needs root to start: started here, its socket the docker group's.
CILO_ROOTLESS_GROUP=docker bash scripts/engine-rootless.sh up > /dev/null
trap 'bash scripts/engine-rootless.sh down' EXIT
log "as $USER_NAME (groups: $(id -nG "$USER_NAME")), PATH=/usr/local/bin:/usr/bin:/bin: npm ci, build, ${FILES[*]}"
tests=$(printf 'test/integration/%s.integration.test.ts ' "${FILES[@]}")
status=0
runuser -u "$USER_NAME" -- env -i HOME="$home" USER="$USER_NAME" LOGNAME="$USER_NAME" \
  PATH=/usr/local/bin:/usr/bin:/bin CI=true LANG=C.UTF-8 bash -c "
    set -euo pipefail
    cd '$tree'
    bash scripts/npm-ci.sh --silent
    npm run build --silent
    node --import tsx --test --test-concurrency=1 --test-reporter=spec $tests
  " || status=$?

# What cilo wrote in the user's home is the user's: a file of another account there is a bug.
foreign=$(find "$home" ! -user "$USER_NAME" -print 2> /dev/null | head -20)
[ -z "$foreign" ] || { log "owned by another account in $home:"; printf '  %s\n' "$foreign" >&2; status=1; }
rm -rf "$tree"
exit $status
