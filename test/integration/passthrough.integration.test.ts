// A project with no x-cilo (and not a registered environment) goes to `docker compose` untouched:
// cilo-compose's stdout, stderr and exit code equal Compose's own, byte for byte, and cilo writes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { needsOf, PROJECTLESS } from '../../lib/compose/subcommands.ts';
import {
  BIN_SHIM,
  FIXTURES,
  ciloCompose,
  ciloEnv,
  dockerCompose,
  fakeDocker,
  requireCompose,
  requireDocker,
  tempDir,
  type RunResult,
} from '../helpers.ts';

const PT = join(FIXTURES, 'passthrough');

interface Case {
  /** Working directory. */
  dir: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** The exit code Compose gives (asserted too, so a case cannot silently test nothing). */
  expect: 'zero' | 'nonzero';
  /** Compose itself prints these lines in random order (`config --services`, `--profiles`): compare sorted. */
  unordered?: boolean;
}

const CASES: Case[] = [
  // profiles
  { dir: join(PT, 'profiles'), args: ['config'], expect: 'zero' },
  { dir: join(PT, 'profiles'), args: ['--profile', 'debug', 'config'], expect: 'zero' },
  { dir: join(PT, 'profiles'), args: ['--profile=debug', 'config', '--services'], expect: 'zero', unordered: true },
  { dir: join(PT, 'profiles'), args: ['--profile', '*', 'config', '--format', 'json'], expect: 'zero' },
  {
    dir: join(PT, 'profiles'),
    args: ['config', '--services'],
    env: { COMPOSE_PROFILES: 'debug' },
    expect: 'zero',
    unordered: true,
  },
  { dir: join(PT, 'profiles'), args: ['config', '--profiles'], expect: 'zero', unordered: true },
  // include of a sibling file
  { dir: join(PT, 'include'), args: ['config'], expect: 'zero' },
  { dir: join(PT, 'include'), args: ['config', '--services'], expect: 'zero', unordered: true },
  // compose.yaml + compose.override.yaml (discovered), and the base alone
  { dir: join(PT, 'override'), args: ['config'], expect: 'zero' },
  { dir: join(PT, 'override'), args: ['-f', 'compose.yaml', 'config'], expect: 'zero' },
  // .env with COMPOSE_FILE naming two files and COMPOSE_PROJECT_NAME
  { dir: join(PT, 'dotenv'), args: ['config'], expect: 'zero' },
  { dir: join(PT, 'dotenv'), args: ['config', '--services'], expect: 'zero', unordered: true },
  { dir: join(PT, 'dotenv'), args: ['-p', 'x', 'config'], expect: 'zero' },
  { dir: join(PT, 'dotenv'), args: ['--env-file', '/dev/null', 'config'], expect: 'nonzero' },
  { dir: join(PT, 'dotenv'), args: ['--env-file', '.env', 'config'], expect: 'zero' },
  { dir: join(PT, 'dotenv'), args: ['--project-directory', '.', 'config', '--format', 'json'], expect: 'zero' },
  // broken files: Compose's message and exit code
  { dir: join(PT, 'broken'), args: ['config'], expect: 'nonzero' },
  { dir: join(PT, 'broken'), args: ['-f', 'bad-yaml.yaml', 'config'], expect: 'nonzero' },
  { dir: join(PT, 'broken'), args: ['-f', 'missing.yaml', 'config'], expect: 'nonzero' },
  // a project without x-cilo
  { dir: join(FIXTURES, 'frontend'), args: ['config', '--services'], expect: 'zero', unordered: true },
  { dir: join(FIXTURES, 'frontend'), args: ['-p', 'x', 'config'], expect: 'zero' },
  // -f selects a plain file even from inside a cilo project's directory
  { dir: join(FIXTURES, 'webapp'), args: ['-f', join(PT, 'override', 'compose.yaml'), 'config'], expect: 'zero' },
  // no project at all
  { dir: join(PT, 'profiles'), args: ['version'], expect: 'zero' },
  { dir: join(PT, 'profiles'), args: ['version', '--short'], expect: 'zero' },
  { dir: join(PT, 'profiles'), args: ['--version'], expect: 'zero' },
  { dir: join(PT, 'profiles'), args: ['--help'], expect: 'zero' },
  { dir: join(PT, 'profiles'), args: ['config', '--help'], expect: 'zero' },
  { dir: join(PT, 'profiles'), args: [], expect: 'zero' },
  // errors Compose reports itself
  { dir: join(PT, 'profiles'), args: ['--bogus', 'config'], expect: 'nonzero' },
  { dir: join(PT, 'profiles'), args: ['-x', 'config'], expect: 'nonzero' },
  { dir: join(PT, 'profiles'), args: ['frobnicate'], expect: 'nonzero' },
  { dir: join(PT, 'profiles'), args: ['config', '--no-such-option'], expect: 'nonzero' },
  { dir: join(PT, 'profiles'), args: ['-p', 'Bad Name!', 'config'], expect: 'nonzero' },
];

/** Runs `fn` over `items`, at most `limit` at a time; rejects with the first failure. */
async function inParallel<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const comparable = (r: RunResult, unordered = false) => ({
  exitCode: r.exitCode,
  signal: r.signal,
  stdout: unordered ? r.stdout.split('\n').sort().join('\n') : r.stdout,
  stderr: r.stderr,
});

test('cilo-compose equals docker compose for projects without x-cilo', async (t) => {
  if (!requireDocker(t)) return;
  const { home, env } = await ciloEnv(t);
  const noProject = tempDir(t); // nothing to discover in /tmp or above
  const cases: Case[] = [
    ...CASES,
    { dir: noProject, args: ['config'], expect: 'nonzero' },
    { dir: noProject, args: ['ps'], expect: 'nonzero' },
  ];
  await inParallel(cases, 3, async (c) => {
    const label = `[${c.dir.replace(FIXTURES + '/', '')}] compose ${JSON.stringify(c.args)}${c.env ? ` with ${JSON.stringify(c.env)}` : ''}`;
    const opts = { cwd: c.dir, env: { ...env, ...c.env }, stripFinalNewline: false };
    const [shim, real] = await Promise.all([ciloCompose(c.args, opts), dockerCompose(c.args, opts)]);
    assert.deepEqual(comparable(shim, c.unordered), comparable(real, c.unordered), label);
    if (c.expect === 'zero') assert.equal(real.exitCode, 0, `${label}: ${real.stderr}`);
    else assert.notEqual(real.exitCode, 0, `${label} should fail`);
  });
  assert.ok(!existsSync(home), 'a passthrough leaves no trace: CILO_HOME was not even created');
});

test('cilo-compose forwards argv byte for byte for projects without x-cilo', async (t) => {
  const bin = fakeDocker(t);
  const root = tempDir(t);
  const home = join(root, 'home');
  mkdirSync(join(root, 'empty'));
  const env = { PATH: `${bin}:${process.env.PATH}`, HOME: root, CILO_HOME: home, NO_COLOR: '1' };
  const argvs: string[][] = [
    ['config', '--services'],
    ['-p', 'x', 'config'],
    ['run', '--rm', 'app', '--', 'sh', '-c', '', '1.50'],
    ['run', '-e', 'A=', '-e', 'B=1.50', 'app', 'echo', '--', '', ' ', '1.50', '-1', '0x10', 'true', 'null'],
    ['--profile', 'debug', '--env-file', '.env', 'up', '-d', '--scale', 'app=2'],
    ['--env-file=missing.env', '-f', 'a.yaml', '--file=b.yaml', 'config'],
    ['--ansi', 'never', '--progress=plain', 'down', '-v', '--remove-orphans'],
    ['exec', '-T', 'app', 'sh', '-c', 'echo "$1" \'$2\' `x` \\n', 'ünïcödé', '\n'],
  ];
  // Every argv in a plain project and in one whose files come from `.env`; the first in the others.
  const dirs = [
    join(PT, 'profiles'),
    join(PT, 'dotenv'),
    join(PT, 'include'),
    join(PT, 'override'),
    join(PT, 'broken'),
    join(FIXTURES, 'frontend'),
    join(root, 'empty'),
  ];
  const runs = dirs.flatMap((dir, i) => (i < 2 ? argvs : argvs.slice(2, 3)).map((args) => ({ dir, args })));
  await inParallel(runs, 4, async ({ dir, args }) => {
    const r = await execa(BIN_SHIM, args, {
      cwd: dir,
      env,
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
      stripFinalNewline: false,
    });
    assert.equal(r.exitCode, 0, `${dir} ${JSON.stringify(args)}: ${r.stderr}`);
    assert.equal(String(r.stderr), '');
    assert.equal(
      String(r.stdout),
      JSON.stringify(['compose', ...args]) + '\n',
      `${dir}: argv of ${JSON.stringify(args)}`,
    );
  });
  assert.ok(!existsSync(home), 'CILO_HOME was not created');
});

// Node 20 looks for `--env-file X` anywhere in its argv up to a `--`, even after the script, and exits 9 with
// "node: X: not found" before any JavaScript runs (nodejs/node#54232); the bins' shebang passes `node --`.
// The executable is run directly here (through its shebang), as a user's shell would.
test('cilo-compose --env-file <missing file> fails like docker compose', async (t) => {
  if (!requireDocker(t)) return;
  const { env } = await ciloEnv(t);
  const args = ['--env-file', 'no-such.env', 'config'];
  const opts = {
    cwd: join(PT, 'dotenv'),
    env,
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    stripFinalNewline: false,
  } as const;
  const shim = await execa(BIN_SHIM, args, opts);
  const real = await dockerCompose(args, { cwd: join(PT, 'dotenv'), env, stripFinalNewline: false });
  assert.notEqual(real.exitCode, 0);
  assert.deepEqual(
    { exitCode: shim.exitCode, stdout: String(shim.stdout), stderr: String(shim.stderr) },
    { exitCode: real.exitCode, stdout: real.stdout, stderr: real.stderr },
  );
});

test("every subcommand of this Compose is in cilo's table or needs no project", async (t) => {
  if (!requireCompose(t)) return;
  const help = (await execa('docker', ['compose', '--help'])).stdout;
  // The command lines of its "Commands:" (and "Management Commands:") sections: two spaces, a name, text.
  const commands = [...help.matchAll(/^ {2}([a-z][a-z-]*)\*?\s{2,}\S/gm)].map((m) => m[1]!);
  assert.ok(commands.includes('up') && commands.length >= 25, `read its commands: ${commands.join(' ')}`);
  const unknown = commands.filter((c) => !PROJECTLESS.includes(c) && needsOf(c) === undefined);
  assert.deepEqual(unknown, [], 'each one is known, or fails closed on a cilo project by design');
});
