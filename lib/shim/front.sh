#!/bin/sh
# cilo-compose: `docker compose`, with cilo's isolation for cilo projects (docs/ARCHITECTURE.md, "The
# front"). The template of dist/cilo-compose: scripts/bundle.mjs fills in its @...@ placeholders from the
# TypeScript constants the shim decides by (lib/compose/subcommands.ts, resolve.ts, top-level.ts), so the two
# never disagree. It runs on every `docker compose` call, so when the command line certainly concerns no cilo
# project it execs `docker compose` itself; when not sure, the Node shim (decide() in lib/shim/main.ts). It may
# hand over too often, never too rarely: test/shim/front.test.ts runs both on a table of layouts.

# dash passes on another environment than it received when that held a name that is not an identifier
# (dropped), IFS, OPTIND or PPID (reset), or no PWD or another one (set). One grep over what it received
# (NUL-separated) tells: every entry NAME=value with such a NAME, and PWD=$PWD among them. (A value holding a
# newline makes it say "changed": then the shim runs, which is always right.) Without /proc it cannot tell.
env_intact() {
  [ -r "/proc/$$/environ" ] || return 1
  LC_ALL=C grep -aqP -e "^(?=(?:[^\n]*?\x00)?PWD=\Q$PWD\E\x00)(?:(?!(?:IFS|OPTIND|PPID)=)[A-Za-z_][A-Za-z0-9_]*=[^\x00]*\x00)*\$" "/proc/$$/environ" 2>/dev/null
}

# The same but for PWD, which the front puts back as it was received: none (a program that sets the working
# directory and not PWD: one grep tells, the common case), or a stale one (a parent that changed directory
# without updating it: read and checked again, byte for byte). Else the shim runs.
pwd_restored() {
  [ -r "/proc/$$/environ" ] || return 1
  if LC_ALL=C grep -aqP -e '^(?!(?:[^\n]*?\x00)?PWD=)(?:(?!(?:IFS|OPTIND|PPID)=)[A-Za-z_][A-Za-z0-9_]*=[^\x00]*\x00)*$' "/proc/$$/environ" 2>/dev/null; then
    unset PWD
    return 0
  fi
  LC_ALL=C grep -aqP -e '^(?:(?!(?:IFS|OPTIND|PPID)=)[A-Za-z_][A-Za-z0-9_]*=[^\x00]*\x00)*$' "/proc/$$/environ" 2>/dev/null || return 1
  PWD=$(LC_ALL=C grep -az '^PWD=' "/proc/$$/environ" | tr -d '\000') && PWD=${PWD#PWD=} && export PWD
  LC_ALL=C grep -aqzxF -e "PWD=$PWD" "/proc/$$/environ"
}

# The Node shim, one CommonJS file. Started without NODE_EXTRA_CA_CERTS (loading those certificates costs
# Node ~35 ms here, and the shim makes no TLS connection), and told what it must give back to the programs it
# runs (lib/shim/handover.ts): that variable, the environment as received when dash would pass on another,
# the signals ignored at start (Node resets them) and the inherited descriptors (Node does not pass them on).
shim() {
  if [ -n "${NODE_EXTRA_CA_CERTS+x}" ]; then
    export __CILO_NODE_EXTRA_CA_CERTS="$NODE_EXTRA_CA_CERTS"
    unset NODE_EXTRA_CA_CERTS
  fi
  # Node 22 and newer keep compiled code between runs (Node 20 ignores it): in the user's own cache directory,
  # never a shared one under /tmp; for cilo's own Node alone (the programs it runs do not get it).
  if [ -z "${NODE_COMPILE_CACHE+x}" ] && [ -n "${HOME:-}" ]; then
    export NODE_COMPILE_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/cilo/node-compile-cache" __CILO_COMPILE_CACHE=1
  fi
  if [ -r "/proc/$$/status" ]; then
    while read -r key value; do
      case $key in SigIgn:) [ "$value" = 0000000000000000 ] || export __CILO_SIGIGN="$value" ;; esac
    done < "/proc/$$/status"
  fi
  fds=
  for f in /proc/$$/fd/*; do
    n=${f##*/}
    case $n in 0 | 1 | 2 | *[!0-9]*) continue ;; esac
    # Descriptors closed on exec (this shell's own, the listing's) never reach Node.
    flags=
    { while read -r key value; do case $key in flags:) flags=$value ;; esac; done < "/proc/$$/fdinfo/$n"; } 2>/dev/null
    [ -n "$flags" ] && [ $((0$flags & 02000000)) -eq 0 ] && fds="$fds $n"
  done
  [ -n "$fds" ] && export __CILO_FDS="${fds# }"
  # The environment as received goes to Node on a descriptor of a file deleted at once: nothing is left
  # behind, whatever becomes of Node. The first of 9..3 that is not open (a shell names fds up to 9).
  if ! env_intact && [ -r "/proc/$$/environ" ]; then
    for n in 9 8 7 6 5 4 3; do
      [ -e "/proc/$$/fd/$n" ] && continue
      f=$(mktemp "${TMPDIR:-/tmp}/cilo-environ.XXXXXX") || break
      cat "/proc/$$/environ" > "$f" && eval "exec $n< \"\$f\"" && export __CILO_ENVIRON_FD=$n
      rm -f "$f"
      break
    done
  fi
  self=$(readlink -f -- "$0" 2>/dev/null) || self=$0
  command -v node > /dev/null 2>&1 || { printf 'cilo: error: node was not found on PATH\nhint: install Node.js 20 or newer\n' >&2; exit 1; }
  exec node -- "${self%/*}/bundle/cilo-compose.cjs" "$@"
}

# Plain docker compose, when the environment goes on as received (and docker is there: else the shim says so).
plain() {
  if command -v docker > /dev/null 2>&1; then
    env_intact && exec docker compose "$@"
    pwd_restored && exec docker compose "$@"
  fi
  shim "$@"
}

# Compose's project name for a directory, in $out: lower-cased, only [a-z0-9_-] kept, leading _ and - dropped.
# Fails for a name with a byte that is not printable ASCII: Compose lower-cases Unicode first ("İ" and the
# Kelvin sign become "i" and "k"), which dash, reading bytes, cannot; the shim can.
normalize() {
  rest=$1 out=
  while [ -n "$rest" ]; do
    c=${rest%"${rest#?}"} rest=${rest#?}
    case $c in
      [a-z0-9_-]) out=$out$c ;;
      [A-Z]) for pair in Aa Bb Cc Dd Ee Ff Gg Hh Ii Jj Kk Ll Mm Nn Oo Pp Qq Rr Ss Tt Uu Vv Ww Xx Yy Zz; do
          case $pair in "$c"?) out=$out${pair#?} && break ;; esac
        done ;;
      [[:print:]]) ;;
      *) return 1 ;;
    esac
  done
  while :; do case $out in [_-]*) out=${out#?} ;; *) break ;; esac; done
}

# The shim's keysStartLines (lib/compose/top-level.ts) for one file: the first line that holds anything
# starts with a letter, a digit, _ or a quote at column 0 (lines starting with ? & ! * are the grep's below).
# Then every top-level key starts a line, and the grep below finds x-cilo and name: exactly. Builtins only.
keys_start_lines() {
  [ -r "$1" ] || return 0 # the shim does not read it either; Compose says why
  while IFS= read -r line || [ -n "$line" ]; do
    case $line in
      [A-Za-z0-9_\"\']*) return 0 ;;
      %*) continue ;;
      ---*) case ${line#---} in *[![:space:]]*) return 1 ;; *) continue ;; esac ;;
    esac
    line=${line#"${line%%[![:space:]]*}"}
    case $line in '' | '#'*) continue ;; esac
    return 1
  done < "$1"
}

# The subcommand: none, or one that needs no project, is plain; global flags before it are the shim's to read.
[ $# -eq 0 ] && plain
case $1 in
  @PROJECTLESS@) plain "$@" ;;
  -*) shim "$@" ;;
esac

# Variables that choose the files or the project name; a home cilo cannot locate.
[ -n "${COMPOSE_FILE+x}${COMPOSE_PROJECT_NAME+x}${COMPOSE_PATH_SEPARATOR+x}${COMPOSE_ENV_FILES+x}${COMPOSE_DISABLE_ENV_FILE+x}" ] && shim "$@"
[ -n "${CILO_HOME:-}${HOME:-}" ] || shim "$@"

# Compose's search: from the (logical) working directory up, the first directory holding a base file.
bases='@BASE_NAMES@'
overrides='@OVERRIDE_NAMES@'
case $PWD in /*) dir=$PWD ;; *) shim "$@" ;; esac
while :; do
  for f in $bases; do
    if [ -e "$dir/$f" ] || [ -L "$dir/$f" ]; then break 2; fi
  done
  [ "$dir" = / ] && plain "$@" # no compose file: Compose says so
  dir=${dir%/*}
  [ -n "$dir" ] || dir=/
done
dir=${dir%/}

state=${CILO_HOME:-$HOME/.cilo}/state.json
for f in $bases $overrides; do
  [ -e "$dir/$f" ] || [ -L "$dir/$f" ] || continue
  [ -f "$dir/$f" ] || shim "$@" # a directory, a dangling link: the shim and Compose say what it is
  keys_start_lines "$dir/$f" || shim "$@" # JSON, say: the shim reads it with a YAML parser
done
[ -f "$dir/.env" ] && grep -qs COMPOSE_ -- "$dir/.env" && shim "$@"
# One grep (each process costs ~1 ms here) over the compose files (grep -s: those that are not there are
# skipped) and the state file, for an x-cilo key (the shim's mentionsXCilo rule), a line starting with a key
# the line rules cannot read (keysStartLines) and, with a state file, a top-level name: (it may be a
# registered environment's: the shim reads which) or the directory's project name in quotes (a registered
# environment's project). A pattern matching in the other kind of file only hands over more often.
pattern="^(@XCILO_KEY@)[[:space:]]*:|^[?&!*]"
[ -e "$state" ] || state=
if [ -n "$state" ]; then
  normalize "${dir##*/}" || shim "$@"
  pattern="$pattern|^(@NAME_KEY@)[[:space:]]*:${out:+|\"$out\"}"
fi
grep -qsE -e "$pattern" -- @FILES_IN_DIR@ ${state:+"$state"} && shim "$@"
plain "$@"
