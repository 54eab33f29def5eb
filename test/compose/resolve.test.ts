// lib/compose/resolve.ts: which files and which project name Compose uses for a command line.
// Every case states the expected answer from Compose's rules, and, where `docker compose` is installed,
// also asks the real `docker compose config` (no engine or image needed) and requires the same answer.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { TestContext } from 'node:test';
import {
  findComposeFiles,
  normalizeComposeName,
  resolveProject,
  withParsedNames,
  type ResolvedProject,
} from '../../lib/compose/resolve.ts';
import { parseGlobalFlags } from '../../lib/compose/global-flags.ts';
import { composeInstalled, tempDir } from '../helpers.ts';

interface Case {
  t: TestContext;
  root: string;
}

function setup(t: TestContext): Case {
  return { t, root: tempDir(t, 'cilo-resolve-') };
}

/** The service name that identifies a compose file: derived from its path, so every file is distinct. */
const serviceId = (rel: string) => 's_' + rel.replace(/[^a-zA-Z0-9]/g, '_').toLowerCase();

/** Writes a compose file declaring one service named after the file, after `top` (e.g. a `name:` line). */
function composeFile(c: Case, rel: string, top = ''): string {
  const p = join(c.root, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, `${top}services:\n  ${serviceId(rel)}:\n    image: busybox\n`);
  return p;
}

function file(c: Case, rel: string, text: string): string {
  const p = join(c.root, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
  return p;
}

const dir = (c: Case, rel: string) => {
  const p = join(c.root, rel);
  mkdirSync(p, { recursive: true });
  return p;
};

interface Answer {
  name: string;
  services: string[];
}

function servicesOf(files: string[], stdin?: string): string[] {
  const out: string[] = [];
  for (const f of files) {
    const text = f === '-' ? (stdin ?? '') : readFileSync(f, 'utf8');
    for (const m of text.matchAll(/^ {2}([a-z0-9_]+):$/gm)) out.push(m[1]!);
  }
  return out.sort();
}

/**
 * Resolves `argv` (global flags) in `cwd` with `env`, checks the answer against the real Compose when it is
 * installed, and returns ours for the test's own expectations.
 */
async function resolveBoth(
  c: Case,
  cwd: string,
  argv: string[],
  env: Record<string, string> = {},
  stdin?: string,
): Promise<ResolvedProject> {
  const ours = resolveProject(parseGlobalFlags([...argv, 'config']), cwd, env);
  assert.ok(ours, `a project is found in ${cwd} for ${argv.join(' ')}`);
  if (composeInstalled()) {
    const model = await new Promise<{ name: string; services?: Record<string, unknown> }>((resolve, reject) => {
      const child = execFile(
        'docker',
        ['compose', ...argv, 'config', '--format', 'json'],
        {
          cwd,
          env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/root', ...env },
          encoding: 'utf8',
          timeout: 30_000,
        },
        (err, stdout, stderr) =>
          err
            ? reject(new Error(`docker compose ${argv.join(' ')} config failed: ${stderr}`))
            : resolve(JSON.parse(stdout)),
      );
      child.stdin!.end(stdin ?? '');
    });
    const theirs: Answer = { name: model.name, services: Object.keys(model.services ?? {}).sort() };
    assert.deepEqual(
      { name: ours.name, services: servicesOf(ours.files, stdin) },
      theirs,
      `cilo and docker compose agree (cwd ${relative(c.root, cwd) || '.'}, argv ${argv.join(' ')}, env ${JSON.stringify(env)})`,
    );
  } else {
    c.t.diagnostic('docker compose not installed: checked against the documented rules only');
  }
  return ours;
}

// Every test has its own temp tree and passes its environment explicitly: they can run side by side.
describe('resolveProject', { concurrency: 4 }, () => {
  test('base file order: compose.yaml > compose.yml > docker-compose.yml > docker-compose.yaml', async (t) => {
    const c = setup(t);
    const order = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'];
    for (const n of order) composeFile(c, `p/${n}`);
    const p = join(c.root, 'p');
    for (const n of order) {
      const r = await resolveBoth(c, p, []);
      assert.deepEqual(r.files, [join(p, n)]);
      assert.equal(r.discovered, true);
      assert.equal(r.projectDir, p);
      assert.deepEqual(findComposeFiles(p), [join(p, n)]);
      rmSync(join(p, n));
    }
    assert.equal(findComposeFiles(p)?.[0]?.startsWith(p), undefined, 'nothing left in p');
  });

  test('override order: compose.override.yml > compose.override.yaml > docker-compose.override.yml > docker-compose.override.yaml', async (t) => {
    const c = setup(t);
    const order = [
      'compose.override.yml',
      'compose.override.yaml',
      'docker-compose.override.yml',
      'docker-compose.override.yaml',
    ];
    const base = composeFile(c, 'p/compose.yaml');
    for (const n of order) composeFile(c, `p/${n}`);
    const p = join(c.root, 'p');
    for (const n of order) {
      assert.deepEqual((await resolveBoth(c, p, [])).files, [base, join(p, n)]);
      rmSync(join(p, n));
    }
    assert.deepEqual((await resolveBoth(c, p, [])).files, [base]);
  });

  test('base and override families mix', async (t) => {
    const c = setup(t);
    const b1 = composeFile(c, 'a/docker-compose.yml');
    const o1 = composeFile(c, 'a/compose.override.yml');
    assert.deepEqual((await resolveBoth(c, join(c.root, 'a'), [])).files, [b1, o1]);
    const b2 = composeFile(c, 'b/compose.yaml');
    const o2 = composeFile(c, 'b/docker-compose.override.yaml');
    assert.deepEqual((await resolveBoth(c, join(c.root, 'b'), [])).files, [b2, o2]);
  });

  test('search goes up from cwd; the override is looked up only where the base was found', async (t) => {
    const c = setup(t);
    const base = composeFile(c, 'Proj_Root/compose.yaml');
    const override = composeFile(c, 'Proj_Root/compose.override.yml');
    composeFile(c, 'Proj_Root/a/compose.override.yaml'); // an override without a base: never used
    const deep = dir(c, 'Proj_Root/a/b');
    for (const cwd of [deep, join(c.root, 'Proj_Root/a')]) {
      const r = await resolveBoth(c, cwd, []);
      assert.deepEqual(r.files, [base, override]);
      assert.equal(r.projectDir, join(c.root, 'Proj_Root'));
      assert.equal(r.name, 'proj_root');
      assert.equal(r.nameSource, 'directory');
    }
    // a nearer base wins over the one further up, and takes only its own directory's override
    const nearer = composeFile(c, 'Proj_Root/a/docker-compose.yml');
    const r = await resolveBoth(c, deep, []);
    assert.deepEqual(r.files, [nearer, join(c.root, 'Proj_Root/a/compose.override.yaml')]);
    assert.equal(r.name, 'a');
  });

  test('no compose file anywhere: undefined (Compose reports it itself)', async (t) => {
    const c = setup(t);
    const empty = dir(c, 'x/y');
    for (let d = empty; ; d = dirname(d)) {
      if (
        ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'].some((n) => existsSync(join(d, n)))
      ) {
        t.skip(`a compose file exists in ${d}, above the temp dir`);
        return;
      }
      if (dirname(d) === d) break;
    }
    assert.equal(resolveProject(parseGlobalFlags(['config']), empty, {}), undefined);
    assert.equal(findComposeFiles(empty), undefined);
  });

  test('-f disables override discovery; paths are relative to cwd', async (t) => {
    const c = setup(t);
    const base = composeFile(c, 'p/compose.yaml');
    composeFile(c, 'p/compose.override.yml');
    const extra = composeFile(c, 'p/extra.yml');
    const p = join(c.root, 'p');
    let r = await resolveBoth(c, p, ['-f', 'compose.yaml']);
    assert.deepEqual(r.files, [base]);
    assert.equal(r.discovered, false);
    r = await resolveBoth(c, dir(c, 'p/sub'), ['-f', '../compose.yaml', '--file=../extra.yml']);
    assert.deepEqual(r.files, [base, extra]);
    assert.equal(r.projectDir, p, 'the project directory is the first file’s');
    assert.equal(r.name, 'p');
  });

  test('COMPOSE_FILE from the environment: split on ":" or COMPOSE_PATH_SEPARATOR, relative to cwd', async (t) => {
    const c = setup(t);
    const a = composeFile(c, 'p/a.yml');
    const b = composeFile(c, 'p/conf/b.yml');
    composeFile(c, 'p/compose.yaml'); // not used: COMPOSE_FILE disables discovery
    const p = join(c.root, 'p');
    let r = await resolveBoth(c, p, [], { COMPOSE_FILE: 'a.yml:conf/b.yml' });
    assert.deepEqual(r.files, [a, b]);
    assert.equal(r.discovered, false);
    assert.equal(r.projectDir, p);
    r = await resolveBoth(c, p, [], { COMPOSE_FILE: 'a.yml;conf/b.yml', COMPOSE_PATH_SEPARATOR: ';' });
    assert.deepEqual(r.files, [a, b]);
    r = await resolveBoth(c, p, [], { COMPOSE_FILE: 'conf/b.yml' });
    assert.equal(r.projectDir, join(p, 'conf'));
    assert.equal(r.name, 'conf');
    // -f beats COMPOSE_FILE
    assert.deepEqual((await resolveBoth(c, p, ['-f', 'a.yml'], { COMPOSE_FILE: 'conf/b.yml' })).files, [a]);
  });

  test('COMPOSE_FILE from .env, relative to cwd; the file’s directory becomes the project directory', async (t) => {
    const c = setup(t);
    const x = composeFile(c, 'p/sub/x.yml');
    const y = composeFile(c, 'p/y.yml');
    const p = join(c.root, 'p');
    file(c, 'p/.env', 'COMPOSE_FILE=sub/x.yml\n');
    let r = await resolveBoth(c, p, []);
    assert.deepEqual(r.files, [x]);
    assert.equal(r.projectDir, join(p, 'sub'));
    assert.equal(r.name, 'sub');
    // the environment beats .env
    assert.deepEqual((await resolveBoth(c, p, [], { COMPOSE_FILE: 'y.yml' })).files, [y]);
    // COMPOSE_PATH_SEPARATOR from .env applies to COMPOSE_FILE from .env
    file(c, 'p/.env', 'COMPOSE_PATH_SEPARATOR=,\nCOMPOSE_FILE=y.yml,sub/x.yml\n');
    r = await resolveBoth(c, p, []);
    assert.deepEqual(r.files, [y, x]);
    assert.equal(r.name, 'p');
  });

  test('COMPOSE_FILE from .env pointing elsewhere: that directory’s .env is read too, the first one wins', async (t) => {
    const c = setup(t);
    composeFile(c, 'p/sub/x.yml');
    const p = join(c.root, 'p');
    file(c, 'p/.env', 'COMPOSE_FILE=sub/x.yml\n');
    file(c, 'p/sub/.env', 'COMPOSE_PROJECT_NAME=fromsub\n');
    let r = await resolveBoth(c, p, []);
    assert.equal(r.name, 'fromsub');
    assert.equal(r.nameSource, 'env');
    file(c, 'p/.env', 'COMPOSE_FILE=sub/x.yml\nCOMPOSE_PROJECT_NAME=fromtop\n');
    r = await resolveBoth(c, p, []);
    assert.equal(r.name, 'fromtop');
  });

  test('project name: -p beats COMPOSE_PROJECT_NAME (env, .env) and name:', async (t) => {
    const c = setup(t);
    composeFile(c, 'p/compose.yaml', 'name: fromfile\n');
    file(c, 'p/.env', 'COMPOSE_PROJECT_NAME=fromdotenv\n');
    const p = join(c.root, 'p');
    let r = await resolveBoth(c, p, ['-p', 'fromflag'], { COMPOSE_PROJECT_NAME: 'fromenv' });
    assert.equal(r.name, 'fromflag');
    assert.equal(r.nameSource, 'flag');
    r = await resolveBoth(c, p, [], { COMPOSE_PROJECT_NAME: 'fromenv' });
    assert.equal(r.name, 'fromenv');
    assert.equal(r.nameSource, 'env');
    r = await resolveBoth(c, p, []);
    assert.equal(r.name, 'fromdotenv', '.env beats name:');
    assert.equal(r.nameSource, 'env');
    rmSync(join(p, '.env'));
    r = await resolveBoth(c, p, []);
    assert.equal(r.name, 'fromfile');
    assert.equal(r.nameSource, 'file');
  });

  test('project name: an empty COMPOSE_PROJECT_NAME in the environment hides .env’s and is ignored', async (t) => {
    const c = setup(t);
    composeFile(c, 'p/compose.yaml');
    file(c, 'p/.env', 'COMPOSE_PROJECT_NAME=fromdotenv\n');
    const p = join(c.root, 'p');
    const r = await resolveBoth(c, p, [], { COMPOSE_PROJECT_NAME: '' });
    assert.equal(r.name, 'p');
    assert.equal(r.nameSource, 'directory');
    file(c, 'p/.env', 'COMPOSE_PROJECT_NAME=\n');
    assert.equal((await resolveBoth(c, p, [])).name, 'p', 'empty in .env: ignored too');
  });

  test('project name from name:: the last file that has one wins; interpolated; normalized', async (t) => {
    const c = setup(t);
    const p = dir(c, 'p');
    composeFile(c, 'p/one.yml', 'name: first\n');
    composeFile(c, 'p/two.yml', 'name: second\n');
    composeFile(c, 'p/none.yml');
    composeFile(c, 'p/interp.yml', 'name: ${NV:-dflt}\n');
    composeFile(c, 'p/odd.yml', 'name: "My Proj.X"\n');
    composeFile(c, 'p/empty.yml', 'name: ""\n');
    assert.equal((await resolveBoth(c, p, ['-f', 'one.yml', '-f', 'two.yml'])).name, 'second');
    assert.equal((await resolveBoth(c, p, ['-f', 'two.yml', '-f', 'one.yml'])).name, 'first');
    assert.equal(
      (await resolveBoth(c, p, ['-f', 'one.yml', '-f', 'none.yml'])).name,
      'first',
      'a file without name: keeps the earlier one',
    );
    assert.equal(
      (await resolveBoth(c, p, ['-f', 'one.yml', '-f', 'empty.yml'])).name,
      'first',
      'an empty name: keeps the earlier one',
    );
    assert.equal((await resolveBoth(c, p, ['-f', 'interp.yml'])).name, 'dflt');
    assert.equal(
      (await resolveBoth(c, p, ['-f', 'interp.yml'], { NV: 'Hello' })).name,
      'hello',
      'interpolated, then normalized',
    );
    file(c, 'p/.env', 'NV=fromdotenv\n');
    assert.equal((await resolveBoth(c, p, ['-f', 'interp.yml'])).name, 'fromdotenv', 'variables from .env count');
    file(c, 'p/.env', 'NV="ab\\"cd" # a comment\n');
    assert.equal(
      (await resolveBoth(c, p, ['-f', 'interp.yml'])).name,
      'abcd',
      'an escaped quote inside double quotes does not end the value',
    );
    assert.equal((await resolveBoth(c, p, ['-f', 'odd.yml'])).name, 'myprojx');
    const r = await resolveBoth(c, p, ['-f', 'none.yml']);
    assert.equal(r.name, 'p');
    assert.equal(r.nameSource, 'directory');
  });

  test('project name from the directory: lower-cased, characters outside [a-z0-9_-] dropped, leading _ and - stripped', async (t) => {
    const c = setup(t);
    for (const [d, want] of [
      ['My.App_Dir', 'myapp_dir'],
      ['_-Lead', 'lead'],
      ['with space', 'withspace'],
      ['UPPER-case_9', 'upper-case_9'],
    ] as const) {
      composeFile(c, `${d}/compose.yaml`);
      const r = await resolveBoth(c, join(c.root, d), []);
      assert.equal(r.name, want, d);
      assert.equal(r.nameSource, 'directory');
    }
  });

  test('--env-file replaces .env; later env files win', async (t) => {
    const c = setup(t);
    composeFile(c, 'p/compose.yaml');
    file(c, 'p/.env', 'COMPOSE_PROJECT_NAME=fromdotenv\n');
    file(c, 'p/other.env', 'COMPOSE_PROJECT_NAME=fromother\n');
    file(c, 'p/third.env', 'COMPOSE_PROJECT_NAME=fromthird\n');
    file(c, 'p/blank.env', 'UNRELATED=1\n');
    const p = join(c.root, 'p');
    let r = await resolveBoth(c, p, ['--env-file', 'other.env']);
    assert.equal(r.name, 'fromother');
    assert.deepEqual(r.envFilesRead, [join(p, 'other.env')]);
    assert.equal(r.dotenvDir, undefined);
    r = await resolveBoth(c, p, ['--env-file', 'blank.env']);
    assert.equal(r.name, 'p', '.env is not read at all');
    assert.equal((await resolveBoth(c, p, ['--env-file', 'other.env', '--env-file', 'third.env'])).name, 'fromthird');
    assert.equal(
      (await resolveBoth(c, p, ['--env-file', 'other.env'], { COMPOSE_PROJECT_NAME: 'fromenv' })).name,
      'fromenv',
      'the environment still wins',
    );
  });

  test('which .env: --project-directory, else the first -f’s directory, else where the file was found', async (t) => {
    const c = setup(t);
    composeFile(c, 'p/compose.yaml');
    composeFile(c, 'p/d/compose.yaml');
    composeFile(c, 'p/sub/compose.yaml');
    file(c, 'p/.env', 'COMPOSE_PROJECT_NAME=fromcwd\n');
    file(c, 'p/d/.env', 'COMPOSE_PROJECT_NAME=fromd\n');
    file(c, 'p/sub/.env', 'COMPOSE_PROJECT_NAME=fromsub\n');
    const p = join(c.root, 'p');
    let r = await resolveBoth(c, p, ['--project-directory', 'd']);
    assert.equal(r.name, 'fromd');
    assert.equal(r.dotenvDir, join(p, 'd'));
    assert.equal(r.projectDir, join(p, 'd'));
    assert.deepEqual(r.files, [join(p, 'd/compose.yaml')], '--project-directory is where files are looked for');
    r = await resolveBoth(c, p, ['-f', 'sub/compose.yaml']);
    assert.equal(r.name, 'fromsub');
    assert.equal(r.dotenvDir, join(p, 'sub'));
    r = await resolveBoth(c, p, []);
    assert.equal(r.name, 'fromcwd');
    assert.deepEqual(r.envFilesRead, [join(p, '.env')]);
    // cwd below the project: the .env beside the found file, not cwd's
    const below = dir(c, 'p/below');
    file(c, 'p/below/.env', 'COMPOSE_PROJECT_NAME=frombelow\n');
    r = await resolveBoth(c, below, []);
    assert.equal(r.name, 'fromcwd');
    assert.equal(r.dotenvDir, p);
  });

  test('-f - (stdin): the project directory and .env are cwd’s, even with a compose file further up', async (t) => {
    const c = setup(t);
    composeFile(c, 'p/compose.yaml');
    file(c, 'p/.env', 'COMPOSE_PROJECT_NAME=fromparent\n');
    const sub = dir(c, 'p/sub');
    const stdin = 'services:\n  s_stdin:\n    image: busybox\n';
    let r = await resolveBoth(c, sub, ['-f', '-'], {}, stdin);
    assert.deepEqual(r.files, ['-']);
    assert.equal(r.projectDir, sub);
    assert.equal(r.name, 'sub');
    file(c, 'p/sub/.env', 'COMPOSE_PROJECT_NAME=fromsub\n');
    r = await resolveBoth(c, sub, ['-f', '-'], {}, stdin);
    assert.equal(r.name, 'fromsub');
    // COMPOSE_FILE does not count when -f is given, even -f -
    composeFile(c, 'q/x.yml');
    file(c, 'q/.env', 'COMPOSE_PROJECT_NAME=fromq\n');
    r = await resolveBoth(c, sub, ['-f', '-'], { COMPOSE_FILE: join(c.root, 'q/x.yml') }, stdin);
    assert.equal(r.name, 'fromsub');
  });

  test('vars: the process environment over .env; profiles from --profile or COMPOSE_PROFILES', async (t) => {
    const c = setup(t);
    composeFile(c, 'p/compose.yaml');
    file(c, 'p/.env', 'A=fromdotenv\nB=fromdotenv\nCOMPOSE_PROFILES=x,y\n');
    const p = join(c.root, 'p');
    let r = resolveProject(parseGlobalFlags(['up']), p, { B: 'fromenv' })!;
    assert.equal(r.vars.A, 'fromdotenv');
    assert.equal(r.vars.B, 'fromenv');
    assert.deepEqual(r.profiles, ['x', 'y']);
    r = resolveProject(parseGlobalFlags(['--profile', 'z', 'up']), p, {})!;
    assert.deepEqual(r.profiles, ['z']);
    assert.equal(
      r.texts.get(join(p, 'compose.yaml')),
      readFileSync(join(p, 'compose.yaml'), 'utf8'),
      'file texts are read once and kept',
    );
  });

  test('normalizeComposeName', () => {
    assert.equal(normalizeComposeName('My.App_Dir'), 'myapp_dir');
    assert.equal(normalizeComposeName('__--x'), 'x');
    assert.equal(normalizeComposeName('a-_b'), 'a-_b');
    assert.equal(normalizeComposeName('ÄÖ'), '');
  });
});

test('withParsedNames: a parsed name replaces the line rule for its file, as Compose reads it', (t) => {
  const c = setup(t);
  const f = file(c, 'p/compose.yaml', '{"name": "${N:-Shop}", "services": {"app": {"image": "busybox"}}}\n');
  const r = resolveProject(parseGlobalFlags(['config']), dirname(f), {})!;
  assert.equal(r.nameSource, 'directory', 'the line rule sees no name: in JSON');
  const named = withParsedNames(r, parseGlobalFlags(['config']), new Map([[f, '${N:-Shop}']]));
  assert.deepEqual([named.name, named.nameSource], ['shop', 'file']);
  if (composeInstalled()) {
    const model = JSON.parse(
      execFileSync('docker', ['compose', 'config', '--format', 'json'], {
        cwd: dirname(f),
        env: { PATH: process.env.PATH!, HOME: c.root },
        encoding: 'utf8',
      }),
    );
    assert.equal(model.name, named.name, 'docker compose reads the same name');
  }
  assert.equal(
    withParsedNames(r, parseGlobalFlags(['-p', 'x', 'config']), new Map([[f, 'shop']])).name,
    'x',
    '-p still wins',
  );
});
