// Which files and which project name Compose would use for a command line: the rules measured on
// Compose 2.26 (compose-go v2). Built-ins only, no YAML parser: this runs on every shim call.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { parseDotenv, interpolate } from './dotenv.js';
import type { GlobalFlags } from './global-flags.js';

export const BASE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'];
export const OVERRIDE_NAMES = ['compose.override.yml', 'compose.override.yaml', 'docker-compose.override.yml', 'docker-compose.override.yaml'];

export interface ResolvedProject {
  /** Absolute compose files in load order ('-' for stdin). */
  files: string[];
  /** True when Compose would find the files itself (no -f, no COMPOSE_FILE). */
  discovered: boolean;
  projectDir: string;
  name: string;
  nameSource: 'flag' | 'env' | 'file' | 'directory';
  /** Process environment over the `.env` values, as Compose sees them. */
  vars: Record<string, string | undefined>;
  profiles: string[];
  /** Where Compose looked for `.env` (undefined when --env-file or COMPOSE_ENV_FILES replaced it). */
  dotenvDir?: string;
  /** The env files Compose reads, lowest precedence first. */
  envFilesRead: string[];
  /** The text of each file (not of stdin), read once. */
  texts: Map<string, string>;
}

const isFile = (p: string) => {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
};

/** Compose's search: the start directory, then each parent; the first base name found there wins. */
export function findComposeFiles(startDir: string): string[] | undefined {
  for (let dir = resolve(startDir); ; dir = dirname(dir)) {
    const base = BASE_NAMES.map((n) => join(dir, n)).find(isFile);
    if (base) {
      const override = OVERRIDE_NAMES.map((n) => join(dir, n)).find(isFile);
      return override ? [base, override] : [base];
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** Compose's normalization of a `name:` value or directory basename (-p is validated instead). */
export function normalizeComposeName(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9_-]/g, '').replace(/^[_-]+/, '');
}

function readDotenv(file: string): Record<string, string> {
  try {
    return parseDotenv(readFileSync(file, 'utf8'));
  } catch {
    return {};
  }
}

/** The top-level `name:` of a compose file, read without a YAML parser (a column-0 key). */
export function topLevelName(text: string): string | undefined {
  const m = /^name[ \t]*:[ \t]*(.*)$/m.exec(text);
  if (!m) return undefined;
  let v = m[1]!.trim();
  if (v.startsWith('"') || v.startsWith("'")) {
    const q = v[0]!;
    const end = v.indexOf(q, 1);
    v = end === -1 ? v.slice(1) : v.slice(1, end);
  } else {
    v = v.replace(/\s+#.*$/, '');
  }
  return v;
}

/**
 * Resolves the project of a command line, or undefined when Compose would find no compose file
 * (Compose then reports that itself).
 */
export function resolveProject(flags: GlobalFlags, cwd: string, env: NodeJS.ProcessEnv): ResolvedProject | undefined {
  const abs = (p: string, base = cwd) => (p === '-' || isAbsolute(p) ? p : resolve(base, p));
  const sep = (vars: Record<string, string | undefined>) => vars.COMPOSE_PATH_SEPARATOR || ':';
  // Compose's working directory for `.env`: the first config path that is not stdin, else cwd. The config
  // paths are the -f flags, else the COMPOSE_FILE entries of the environment.
  const configPaths = flags.files.length > 0 ? flags.files : env.COMPOSE_FILE ? env.COMPOSE_FILE.split(sep(env)) : [];
  const firstNonStdin = configPaths.find((f) => f !== '-');

  // Which env files: --env-file (or COMPOSE_ENV_FILES) replaces `.env`; `.env` lives in the first of:
  // --project-directory, the first -f's directory, the first COMPOSE_FILE entry's, cwd when those are all stdin,
  // the discovered file's, cwd.
  let envFiles: string[];
  let dotenvDir: string | undefined;
  if (flags.envFiles.length > 0) envFiles = flags.envFiles.map((f) => abs(f));
  else if (env.COMPOSE_ENV_FILES) envFiles = env.COMPOSE_ENV_FILES.split(',').map((f) => abs(f));
  else if (env.COMPOSE_DISABLE_ENV_FILE && env.COMPOSE_DISABLE_ENV_FILE !== '0' && env.COMPOSE_DISABLE_ENV_FILE !== 'false') envFiles = [];
  else {
    dotenvDir = flags.projectDirectory
      ? abs(flags.projectDirectory)
      : firstNonStdin
        ? dirname(abs(firstNonStdin))
        : configPaths.length > 0
          ? cwd
          : dirname(findComposeFiles(cwd)?.[0] ?? join(cwd, 'x'));
    envFiles = [join(dotenvDir, '.env')];
  }
  const dotenv: Record<string, string> = {};
  for (const f of envFiles) Object.assign(dotenv, readDotenv(f)); // later env files win
  let vars: Record<string, string | undefined> = { ...dotenv, ...env };

  let files: string[];
  let discovered = false;
  if (flags.files.length > 0) files = flags.files.map((f) => abs(f));
  else if (vars.COMPOSE_FILE) files = vars.COMPOSE_FILE.split(sep(vars)).map((f) => abs(f));
  else {
    const found = findComposeFiles(flags.projectDirectory ? abs(flags.projectDirectory) : cwd);
    if (!found) return undefined;
    files = found;
    discovered = true;
  }

  const firstFile = files.find((f) => f !== '-');
  const projectDir = flags.projectDirectory ? abs(flags.projectDirectory) : firstFile ? dirname(firstFile) : cwd;
  // When COMPOSE_FILE from a `.env` moved the project elsewhere, Compose reads that directory's `.env`
  // too; the first one wins on conflicts.
  const envFilesRead = envFiles.filter(isFile);
  if (dotenvDir !== undefined && projectDir !== dotenvDir) {
    vars = { ...readDotenv(join(projectDir, '.env')), ...dotenv, ...env };
    if (isFile(join(projectDir, '.env'))) envFilesRead.unshift(join(projectDir, '.env'));
  }

  const texts = new Map<string, string>();
  for (const f of files) {
    if (f === '-' || !existsSync(f)) continue;
    try {
      texts.set(f, readFileSync(f, 'utf8'));
    } catch {
      // unreadable: Compose will say so
    }
  }

  let name: string | undefined;
  let nameSource: ResolvedProject['nameSource'] = 'flag';
  if (flags.projectName) name = flags.projectName;
  else if (vars.COMPOSE_PROJECT_NAME) {
    name = vars.COMPOSE_PROJECT_NAME;
    nameSource = 'env';
  } else {
    for (const f of files) {
      const n = texts.has(f) ? topLevelName(texts.get(f)!) : undefined;
      const value = n !== undefined ? normalizeComposeName(interpolate(n, vars)) : '';
      if (value) {
        name = value;
        nameSource = 'file';
      }
    }
    if (!name) {
      name = normalizeComposeName(basename(projectDir));
      nameSource = 'directory';
    }
  }

  const profiles = flags.profiles.length > 0 ? flags.profiles : (vars.COMPOSE_PROFILES ?? '').split(',').filter(Boolean);
  return { files, discovered, projectDir, name, nameSource, vars, profiles, dotenvDir, envFilesRead, texts };
}
