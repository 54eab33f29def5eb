// Which files and which project name Compose would use for a command line: the rules measured on
// Compose 2.26 (compose-go v2). No YAML parser (top-level.ts says when one is needed): this runs on every
// shim call.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { parseDotenv, interpolate } from './dotenv.js';
import type { GlobalFlags } from './global-flags.js';
import { topLevelName } from './top-level.js';

export const BASE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'];
export const OVERRIDE_NAMES = [
  'compose.override.yml',
  'compose.override.yaml',
  'docker-compose.override.yml',
  'docker-compose.override.yaml',
];

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

/** What Compose's search takes for a file: anything `stat` finds (a directory too: Compose then fails on it). */
const exists = (p: string) => {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
};

/** Compose's search: the start directory, then each parent; the first base name found there wins. */
export function findComposeFiles(startDir: string): string[] | undefined {
  for (let dir = resolve(startDir); ; dir = dirname(dir)) {
    const base = BASE_NAMES.map((n) => join(dir, n)).find(exists);
    if (base) {
      const override = OVERRIDE_NAMES.map((n) => join(dir, n)).find(exists);
      return override ? [base, override] : [base];
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** Compose's normalization of a `name:` value or directory basename (-p is validated instead). */
export function normalizeComposeName(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '')
    .replace(/^[_-]+/, '');
}

function readDotenv(file: string, lookup: (name: string) => string | undefined): Record<string, string> {
  try {
    return parseDotenv(readFileSync(file, 'utf8'), lookup);
  } catch {
    return {};
  }
}

/** What resolving a project needs from a command line (GlobalFlags has it; so has a remembered environment). */
export type ProjectQuery = Pick<GlobalFlags, 'files' | 'projectName' | 'projectDirectory' | 'envFiles' | 'profiles'>;

type Vars = Record<string, string | undefined>;
const pathSeparator = (vars: Vars) => vars.COMPOSE_PATH_SEPARATOR || ':';

/**
 * Which env files Compose reads: --env-file (or COMPOSE_ENV_FILES) replaces `.env`; `.env` lives in the
 * first of: --project-directory, the first -f's directory (the first COMPOSE_FILE entry's), cwd when those
 * are all stdin, the discovered file's, cwd.
 */
function envFilesOf(
  q: ProjectQuery,
  cwd: string,
  env: NodeJS.ProcessEnv,
  abs: (p: string) => string,
): { envFiles: string[]; dotenvDir?: string } {
  if (q.envFiles.length > 0) return { envFiles: q.envFiles.map((f) => abs(f)) };
  if (env.COMPOSE_ENV_FILES) return { envFiles: env.COMPOSE_ENV_FILES.split(',').map((f) => abs(f)) };
  if (env.COMPOSE_DISABLE_ENV_FILE && env.COMPOSE_DISABLE_ENV_FILE !== '0' && env.COMPOSE_DISABLE_ENV_FILE !== 'false')
    return { envFiles: [] };
  // COMPOSE_FILE of the process environment only: the `.env` it could come from is what this finds.
  const configPaths = q.files.length > 0 ? q.files : env.COMPOSE_FILE ? env.COMPOSE_FILE.split(pathSeparator(env)) : [];
  const firstNonStdin = configPaths.find((f) => f !== '-');
  const dotenvDir = q.projectDirectory
    ? abs(q.projectDirectory)
    : firstNonStdin
      ? dirname(abs(firstNonStdin))
      : configPaths.length > 0
        ? cwd
        : dirname(findComposeFiles(cwd)?.[0] ?? join(cwd, 'x'));
  return { envFiles: [join(dotenvDir, '.env')], dotenvDir };
}

/** The compose files: -f, else COMPOSE_FILE (environment over `.env`), else Compose's search. */
function filesOf(
  q: ProjectQuery,
  cwd: string,
  vars: Vars,
  abs: (p: string) => string,
): { files: string[]; discovered: boolean } | undefined {
  if (q.files.length > 0) return { files: q.files.map((f) => abs(f)), discovered: false };
  if (vars.COMPOSE_FILE)
    return { files: vars.COMPOSE_FILE.split(pathSeparator(vars)).map((f) => abs(f)), discovered: false };
  const found = findComposeFiles(q.projectDirectory ? abs(q.projectDirectory) : cwd);
  return found ? { files: found, discovered: true } : undefined;
}

function readTexts(files: readonly string[]): Map<string, string> {
  const texts = new Map<string, string>();
  for (const f of files) {
    if (f === '-' || !existsSync(f)) continue;
    try {
      texts.set(f, readFileSync(f, 'utf8'));
    } catch {
      // unreadable: Compose will say so
    }
  }
  return texts;
}

/** Top-level `name:` values read with the YAML parser, by file (lib/compose/top-level.ts says when). */
export type ParsedNames = ReadonlyMap<string, string | undefined>;

/**
 * -p, else COMPOSE_PROJECT_NAME, else the last file's `name:` (interpolated), else the directory name; ''
 * where Compose refuses the name as empty.
 * A file in `parsed` takes its name from there, any other from the line rule.
 */
function nameOf(
  q: ProjectQuery,
  files: readonly string[],
  texts: Map<string, string>,
  vars: Vars,
  projectDir: string,
  parsed?: ParsedNames,
): Pick<ResolvedProject, 'name' | 'nameSource'> {
  if (q.projectName) return { name: q.projectName, nameSource: 'flag' };
  if (vars.COMPOSE_PROJECT_NAME) return { name: vars.COMPOSE_PROJECT_NAME, nameSource: 'env' };
  // As compose-go reads it: the last file whose `name:` is not empty as written names the project, then
  // interpolated and normalized; empty after that is Compose's error ("project name must not be empty").
  let written: string | undefined;
  for (const f of files) {
    const n = parsed?.has(f) ? parsed.get(f) : texts.has(f) ? topLevelName(texts.get(f)!) : undefined;
    if (n) written = n;
  }
  return written !== undefined
    ? { name: normalizeComposeName(interpolate(written, vars)), nameSource: 'file' }
    : { name: normalizeComposeName(basename(projectDir)), nameSource: 'directory' };
}

/**
 * Resolves the project of a command line, or undefined when Compose would find no compose file
 * (Compose then reports that itself).
 */
export function resolveProject(q: ProjectQuery, cwd: string, env: NodeJS.ProcessEnv): ResolvedProject | undefined {
  const abs = (p: string, base = cwd) => (p === '-' || isAbsolute(p) ? p : resolve(base, p));
  const { envFiles, dotenvDir } = envFilesOf(q, cwd, env, abs);
  const dotenv: Record<string, string> = {};
  // Later env files win; a value's ${VAR} looks in the environment, then in the files before.
  for (const f of envFiles)
    Object.assign(
      dotenv,
      readDotenv(f, (k) => env[k] ?? dotenv[k]),
    );
  let vars: Vars = { ...dotenv, ...env };

  const found = filesOf(q, cwd, vars, abs);
  if (!found) return undefined;
  const { files, discovered } = found;
  const firstFile = files.find((f) => f !== '-');
  const projectDir = q.projectDirectory ? abs(q.projectDirectory) : firstFile ? dirname(firstFile) : cwd;
  // When COMPOSE_FILE from a `.env` moved the project elsewhere, Compose reads that directory's `.env`
  // too; the first one wins on conflicts.
  const envFilesRead = envFiles.filter(isFile);
  if (dotenvDir !== undefined && projectDir !== dotenvDir) {
    vars = { ...readDotenv(join(projectDir, '.env'), (k) => env[k]), ...dotenv, ...env };
    if (isFile(join(projectDir, '.env'))) envFilesRead.unshift(join(projectDir, '.env'));
  }
  const texts = readTexts(files);
  const profiles = q.profiles.length > 0 ? q.profiles : (vars.COMPOSE_PROFILES ?? '').split(',').filter(Boolean);
  return {
    files,
    discovered,
    projectDir,
    ...nameOf(q, files, texts, vars, projectDir),
    vars,
    profiles,
    dotenvDir,
    envFilesRead,
    texts,
  };
}

/** The same project with the names of some of its files as the YAML parser read them. */
export function withParsedNames(project: ResolvedProject, q: ProjectQuery, parsed: ParsedNames): ResolvedProject {
  return { ...project, ...nameOf(q, project.files, project.texts, project.vars, project.projectDir, parsed) };
}
