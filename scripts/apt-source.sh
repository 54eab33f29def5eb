# Sourced by setup-host.sh and engine-matrix.sh: the Debian archive this machine's own apt sources name.
# Packages come only from there; a machine with no such source stops with a clear error (no host is assumed).

# Prints the first archive URI of the main Debian source (deb822 `URIs:` or a one-line `deb` entry), skipping
# security archives; returns 1 when there is none.
debian_archive_uri() {
  local f uri etc=${CILO_APT_ETC:-/etc/apt} # another directory only for its test
  for f in "$etc/sources.list.d/debian.sources" "$etc"/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' "$f")
    [ -n "$uri" ] && { echo "$uri"; return 0; }
  done
  for f in "$etc/sources.list" "$etc"/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\// && $i !~ /security/) { print $i; exit } }' "$f")
    [ -n "$uri" ] && { echo "$uri"; return 0; }
  done
  return 1
}

# The URI, or the script stops saying what to do.
require_debian_archive_uri() {
  debian_archive_uri || {
    printf '%s: error: no apt source of this machine names a Debian archive (looked in ${CILO_APT_ETC:-/etc/apt})\n' "${0##*/}" >&2
    printf 'hint: add your Debian mirror as an apt source (see sources.list(5)), then run this again\n' >&2
    exit 1
  }
}
