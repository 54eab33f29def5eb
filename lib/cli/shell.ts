// What `cilo shell-init` and `cilo completion` print: shell code, for bash, zsh and fish. The executables
// are named by absolute path, so the code works whatever PATH the shell has.
import { UsageError } from '../errors/index.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

export interface Bins {
  cilo: string;
  ciloCompose: string;
}

export function parseShell(s: string): Shell {
  if ((SHELLS as readonly string[]).includes(s)) return s as Shell;
  throw new UsageError(`unknown shell ${JSON.stringify(s)}`, `use one of ${SHELLS.join(', ')}`);
}

const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * `docker compose …` and `docker-compose …` through cilo-compose; every other `docker` command to Docker as
 * it is (`command docker` skips the function).
 */
export function shellInit(shell: Shell, bins: Bins): string {
  if (shell === 'fish')
    return [
      '# cilo: `docker compose …` and `docker-compose …` through cilo-compose (cilo shell-init fish)',
      'function docker --wraps docker',
      '    if test (count $argv) -gt 0; and test "$argv[1]" = compose',
      `        ${sh(bins.ciloCompose)} $argv[2..-1]`,
      '    else',
      '        command docker $argv',
      '    end',
      'end',
      'function docker-compose --wraps docker-compose',
      `    ${sh(bins.ciloCompose)} $argv`,
      'end',
      '',
    ].join('\n');
  return [
    `# cilo: \`docker compose …\` and \`docker-compose …\` through cilo-compose (cilo shell-init ${shell})`,
    'docker() {',
    `  if [ "\${1-}" = compose ]; then shift; ${sh(bins.ciloCompose)} "$@"; else command docker "$@"; fi`,
    '}',
    `docker-compose() { ${sh(bins.ciloCompose)} "$@"; }`,
    '',
  ].join('\n');
}

// Completion follows the protocol of cobra (Docker's CLI library): `PROGRAM __complete WORDS… CURRENT` prints
// one candidate a line ("value<TAB>description"), then ":<directive>" (2: no space after it, 4: no file
// names). cilo answers it itself (cilo __complete); cilo-compose asks Docker (docker __complete compose),
// so it completes exactly as `docker compose` does.
const BASH = (bins: Bins) => `# cilo completion (bash): cilo, and cilo-compose as docker compose completes
_cilo_complete() {
  local line=\${COMP_LINE:0:COMP_POINT} out directive
  local -a words
  read -ra words <<< "$line"
  [[ $line == *[[:space:]] || \${#words[@]} -eq 0 ]] && words+=("")
  local cur=\${words[\${#words[@]}-1]}
  if [[ \${words[0]##*/} == cilo-compose ]]; then out=$(docker __complete compose "\${words[@]:1}" 2>/dev/null)
  else out=$(${sh(bins.cilo)} __complete "\${words[@]:1}" 2>/dev/null); fi
  directive=\${out##*:}
  [[ $directive =~ ^[0-9]+$ ]] || directive=0
  out=\${out%:*}
  local IFS=$'\\n'
  COMPREPLY=($(compgen -W "$(printf '%s\\n' "$out" | cut -f1)" -- "$cur"))
  (( directive & 2 )) && compopt -o nospace 2>/dev/null
  if (( ! (directive & 4) )) && [[ \${#COMPREPLY[@]} -eq 0 ]]; then COMPREPLY=($(compgen -f -- "$cur")); fi
  return 0
}
complete -F _cilo_complete cilo cilo-compose
`;

const ZSH = (bins: Bins) => `# cilo completion (zsh): cilo, and cilo-compose as docker compose completes
(( $+functions[compdef] )) || { autoload -Uz compinit && compinit; }
_cilo_complete() {
  local -a args lines values
  args=("\${(@)words[2,CURRENT]}")
  if [[ \${words[1]:t} == cilo-compose ]]; then lines=("\${(@f)$(docker __complete compose "\${args[@]}" 2>/dev/null)}")
  else lines=("\${(@f)$(${sh(bins.cilo)} __complete "\${args[@]}" 2>/dev/null)}"); fi
  local directive=\${lines[-1]#:}
  [[ $directive == <-> ]] || directive=0
  values=("\${(@)\${(@)lines[1,-2]}%%$'\\t'*}")
  (( \${#values} )) && compadd -- "\${values[@]}"
  (( directive & 4 || \${#values} )) || _files
}
compdef _cilo_complete cilo cilo-compose
`;

const FISH = (bins: Bins) => `# cilo completion (fish): cilo, and cilo-compose as docker compose completes
function __cilo_complete
    set -l tokens (commandline -opc) (commandline -ct)
    if test (basename -- $tokens[1]) = cilo-compose
        set -f out (docker __complete compose $tokens[2..-1] 2>/dev/null)
    else
        set -f out (${sh(bins.cilo)} __complete $tokens[2..-1] 2>/dev/null)
    end
    set -l directive (string replace ':' '' -- $out[-1])
    for line in $out[1..-2]
        printf '%s\\n' $line
    end
    if test (count $out) -le 1; and test (math "$directive % 8 - $directive % 4") -eq 0
        __fish_complete_path (commandline -ct)
    end
end
complete -c cilo -f -a '(__cilo_complete)'
complete -c cilo-compose -f -a '(__cilo_complete)'
`;

export function completionScript(shell: Shell, bins: Bins): string {
  return { bash: BASH, zsh: ZSH, fish: FISH }[shell](bins);
}
