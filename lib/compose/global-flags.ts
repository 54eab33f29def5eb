// Compose's global flags (`docker compose --help`, v2.24+), parsed only up to the subcommand. Everything
// from the subcommand on is forwarded byte for byte. Built-ins only: this runs on every shim call.

export interface GlobalFlags {
  files: string[];
  projectName?: string;
  projectDirectory?: string;
  envFiles: string[];
  profiles: string[];
  /** Global tokens other than -f/-p, exactly as typed, to re-send when cilo rewrites -f and -p. */
  otherTokens: string[];
  /** `-v` / `--version` given before any subcommand. */
  version: boolean;
  subcommand?: string;
  /** Arguments after the subcommand, untouched. */
  subArgs: string[];
}

type Kind = 'value' | 'bool';
// Long name → kind. `workdir` is Compose's deprecated alias of --project-directory; `no-ansi` and
// `verbose` are hidden but accepted.
const LONG: Record<string, Kind> = {
  file: 'value',
  'project-name': 'value',
  'project-directory': 'value',
  workdir: 'value',
  'env-file': 'value',
  profile: 'value',
  ansi: 'value',
  progress: 'value',
  parallel: 'value',
  compatibility: 'bool',
  'dry-run': 'bool',
  'all-resources': 'bool',
  version: 'bool',
  verbose: 'bool',
  'no-ansi': 'bool',
  help: 'bool',
};
const SHORT: Record<string, string> = { f: 'file', p: 'project-name', v: 'version', h: 'help' };

export class UnknownGlobalFlag extends Error {}

/**
 * Parses argv after `cilo-compose` the way Compose (cobra/pflag) does: `--flag value`, `--flag=value`,
 * `-f value`, `-fvalue`, `-f=value`. Throws UnknownGlobalFlag for anything it does not know, so the caller
 * can hand the whole command line to Compose untouched and let it report the problem.
 */
export function parseGlobalFlags(argv: readonly string[]): GlobalFlags {
  const out: GlobalFlags = { files: [], envFiles: [], profiles: [], otherTokens: [], version: false, subArgs: [] };
  let i = 0;
  while (i < argv.length) {
    const tok = argv[i]!;
    if (tok === '--') throw new UnknownGlobalFlag('-- before the subcommand');
    if (!tok.startsWith('-') || tok === '-') {
      out.subcommand = tok;
      out.subArgs = argv.slice(i + 1);
      return out;
    }
    let name: string;
    let inline: string | undefined;
    if (tok.startsWith('--')) {
      const eq = tok.indexOf('=');
      name = eq === -1 ? tok.slice(2) : tok.slice(2, eq);
      inline = eq === -1 ? undefined : tok.slice(eq + 1);
    } else {
      const long = SHORT[tok[1]!];
      if (!long) throw new UnknownGlobalFlag(tok);
      name = long;
      const rest = tok.slice(2);
      inline = rest === '' ? undefined : rest.startsWith('=') ? rest.slice(1) : rest;
      if (LONG[name] === 'bool' && inline !== undefined) throw new UnknownGlobalFlag(tok); // e.g. -vh
    }
    const kind = LONG[name];
    if (!kind) throw new UnknownGlobalFlag(tok);
    let value: string | undefined;
    const tokens = [tok];
    if (kind === 'value') {
      if (inline !== undefined) value = inline;
      else {
        if (i + 1 >= argv.length) throw new UnknownGlobalFlag(`${tok} needs a value`);
        value = argv[++i]!;
        tokens.push(value);
      }
    } else if (inline !== undefined && inline !== 'true' && inline !== 'false') {
      throw new UnknownGlobalFlag(tok);
    }
    i++;
    switch (name) {
      case 'file':
        out.files.push(value!);
        continue;
      case 'project-name':
        out.projectName = value;
        continue;
      case 'project-directory':
      case 'workdir':
        out.projectDirectory = value;
        break;
      case 'env-file':
        out.envFiles.push(value!);
        break;
      case 'profile':
        out.profiles.push(value!);
        break;
      case 'version':
        out.version = inline !== 'false';
        break;
    }
    out.otherTokens.push(...tokens);
  }
  return out;
}
