// The shell front (dist/cilo-compose, generated from lib/shim/front.sh), against the shim's decide()
// (lib/shim/main.ts): on a table of layouts, and on layouts generated at random from the pieces that decide.
// The front may hand over to the shim although the project is not cilo's (it is conservative); it must
// never run `docker compose` itself for a command line decide() manages. The front runs for real (dash),
// with a `docker` and a `node` on PATH that only say they were the ones started.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN_SHIM, tempDir } from '../helpers.ts';
import { build, fakes, frontAndShim, PLAIN, state, XCILO, type Layout } from './layouts.ts';

const LAYOUTS: Layout[] = [
  { name: 'version in a cilo project', files: { 'compose.yaml': XCILO }, argv: ['version'] },
  { name: 'ls', files: { 'compose.yaml': XCILO }, argv: ['ls'] },
  { name: 'help', files: { 'compose.yaml': XCILO }, argv: ['help'] },
  { name: 'completion', files: { 'compose.yaml': XCILO }, argv: ['completion'] },
  { name: 'no arguments', files: { 'compose.yaml': XCILO }, argv: [] },
  { name: 'a plain project, no state', files: { 'compose.yaml': PLAIN } },
  {
    name: 'global flags before the subcommand, plain project',
    files: { 'compose.yaml': PLAIN },
    argv: ['--ansi', 'never', 'ps'],
    conservative: true,
  },
  {
    name: 'global -f naming a cilo file elsewhere',
    files: { 'compose.yaml': PLAIN, 'other/c.yaml': XCILO },
    argv: ['-f', 'other/c.yaml', 'ps'],
  },
  ...[
    'COMPOSE_FILE',
    'COMPOSE_PROJECT_NAME',
    'COMPOSE_PATH_SEPARATOR',
    'COMPOSE_ENV_FILES',
    'COMPOSE_DISABLE_ENV_FILE',
  ].map((v) => ({
    name: `${v} set, empty`,
    files: { 'compose.yaml': PLAIN },
    env: { [v]: '' },
    conservative: true,
  })),
  {
    name: 'COMPOSE_FILE naming a cilo file',
    files: { 'compose.yaml': PLAIN, 'c/x.yaml': XCILO },
    env: { COMPOSE_FILE: 'c/x.yaml' },
  },
  ...['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'].map((f) => ({
    name: `x-cilo in ${f}`,
    files: { [f]: XCILO },
  })),
  ...[
    'compose.override.yml',
    'compose.override.yaml',
    'docker-compose.override.yml',
    'docker-compose.override.yaml',
  ].map((f) => ({
    name: `x-cilo in ${f}`,
    files: { 'compose.yaml': PLAIN, [f]: 'x-cilo:\n  project: p\n' },
  })),
  { name: 'a quoted x-cilo key', files: { 'compose.yaml': `"x-cilo": {}\n${PLAIN}` } },
  { name: 'x-cilo only in a comment', files: { 'compose.yaml': `# not x-cilo: plain\n${PLAIN}` } },
  {
    name: 'comments, a directive and --- before the x-cilo key',
    files: { 'compose.yaml': `# c\n\n  # d\n%YAML 1.2\n---\n${XCILO}` },
  },
  {
    name: 'a compose file in JSON with x-cilo',
    files: { 'compose.yaml': '{\n  "x-cilo": {},\n  "services": {"app": {"image": "x"}}\n}\n' },
  },
  {
    name: 'a compose file in JSON, the name of a registered environment',
    files: { 'compose.yaml': '{"name": "reg", "services": {}}\n', 'home/.cilo/state.json': state('reg') },
  },
  {
    name: 'a plain compose file in JSON',
    files: { 'compose.yaml': '{"services": {"app": {"image": "x"}}}\n' },
    conservative: true,
  },
  { name: 'a whole document indented, with x-cilo', files: { 'compose.yaml': `  x-cilo: {}\n  services: {}\n` } },
  { name: 'a byte-order mark before x-cilo', files: { 'compose.yaml': `\ufeff${XCILO}` } },
  { name: 'an explicit ? x-cilo key', files: { 'compose.yaml': `${PLAIN}? x-cilo\n: {}\n` } },
  { name: 'an anchor on the x-cilo key', files: { 'compose.yaml': `${PLAIN}&a x-cilo: {}\n` } },
  {
    name: 'a quoted name: of a registered environment',
    files: { 'compose.yaml': `"name": reg\n${PLAIN}`, 'home/.cilo/state.json': state('reg') },
  },
  {
    name: 'a directory named compose.yaml',
    files: { 'compose.yaml': null, 'docker-compose.yml': XCILO },
    conservative: true,
  },
  {
    name: 'a dangling compose.yaml above a cilo project',
    files: { 'a/compose.yaml': '->nowhere', 'compose.yaml': XCILO },
    cwd: 'a',
  },
  {
    name: 'only an override here, the cilo base file above',
    files: { 'a/compose.override.yaml': 'services: {}\n', 'compose.yaml': XCILO },
    cwd: 'a',
  },
  { name: 'a cilo project three directories up', files: { 'compose.yaml': XCILO, 'a/b/c/readme': 'x' }, cwd: 'a/b/c' },
  {
    name: 'a plain project three directories up, state elsewhere',
    files: { 'compose.yaml': PLAIN, 'a/b/c/readme': 'x', 'home/.cilo/state.json': state('other') },
    cwd: 'a/b/c',
  },
  { name: 'no compose file anywhere', files: { 'a/readme': 'x' }, cwd: 'a' },
  {
    name: '.env with COMPOSE_FILE naming a cilo file',
    files: { 'compose.yaml': PLAIN, '.env': 'COMPOSE_FILE=c/x.yaml\n', 'c/x.yaml': XCILO },
  },
  {
    name: '.env with COMPOSE_PROJECT_NAME of a registered environment',
    files: { 'compose.yaml': PLAIN, '.env': 'COMPOSE_PROJECT_NAME=reg\n', 'home/.cilo/state.json': state('reg') },
  },
  {
    name: '.env without COMPOSE_ variables',
    files: { 'compose.yaml': PLAIN, '.env': 'TAG=1\n', 'home/.cilo/state.json': state('other') },
  },
  {
    name: 'the directory is a registered environment',
    files: { 'proj/compose.yaml': PLAIN, 'home/.cilo/state.json': state('proj') },
    cwd: 'proj',
  },
  {
    name: 'the directory name quoted in a plain compose file, a state file',
    files: { 'proj/compose.yaml': `${PLAIN}# "proj"\n`, 'home/.cilo/state.json': state('other') },
    cwd: 'proj',
    conservative: true,
  },
  {
    name: 'a directory name normalized to a registered one',
    files: { 'My.Proj_1/compose.yaml': PLAIN, 'home/.cilo/state.json': state('myproj_1') },
    cwd: 'My.Proj_1',
  },
  {
    name: 'a non-ASCII directory name Compose lower-cases to a registered one (İstanbul)',
    files: { 'İstanbul/compose.yaml': PLAIN, 'home/.cilo/state.json': state('istanbul') },
    cwd: 'İstanbul',
  },
  {
    name: 'the Kelvin sign, which Compose lower-cases to k',
    files: { '\u212Aelvin/compose.yaml': PLAIN, 'home/.cilo/state.json': state('kelvin') },
    cwd: '\u212Aelvin',
  },
  {
    name: 'a non-ASCII directory name, nothing of that name registered',
    files: { 'café/compose.yaml': PLAIN, 'home/.cilo/state.json': state('other') },
    cwd: 'café',
    conservative: true,
  },
  {
    name: 'name: of a registered environment',
    files: { 'compose.yaml': `name: reg\n${PLAIN}`, 'home/.cilo/state.json': state('reg') },
  },
  {
    name: 'name: of nothing registered, a state file',
    files: { 'compose.yaml': `name: free\n${PLAIN}`, 'home/.cilo/state.json': state('reg') },
    conservative: true,
  },
  { name: 'name: without a state file', files: { 'compose.yaml': `name: reg\n${PLAIN}` } },
  {
    name: 'a corrupt state file',
    files: { 'proj/compose.yaml': PLAIN, 'home/.cilo/state.json': '{ "torn' },
    cwd: 'proj',
  },
  {
    name: 'CILO_HOME naming a home that registers it',
    files: { 'proj/compose.yaml': PLAIN, 'h2/state.json': state('proj') },
    cwd: 'proj',
    env: { CILO_HOME: '@/h2' },
  },
  {
    name: 'a symlinked directory: the cilo project is above the logical path',
    files: {
      'cilo/compose.yaml': XCILO,
      'cilo/link': '->../real/sub',
      'real/sub/readme': 'x',
      'real/compose.yaml': PLAIN,
    },
    cwd: 'cilo/link',
  },
  {
    name: 'a symlinked directory: the cilo project is above the physical path only',
    files: {
      'plain/compose.yaml': PLAIN,
      'plain/link': '->../cilo/sub',
      'cilo/sub/readme': 'x',
      'cilo/compose.yaml': XCILO,
    },
    cwd: 'plain/link',
  },
  {
    name: 'an environment dash would change (a name that is not an identifier)',
    files: { 'compose.yaml': PLAIN },
    env: { 'A.B': '1' },
    conservative: true,
  },
  { name: 'no HOME and no CILO_HOME', files: { 'compose.yaml': PLAIN }, noHome: true, conservative: true },
];

test('the front never runs docker compose itself for a command line the shim manages', async (t) => {
  const bin = fakes(t);
  const handedOver: string[] = [];
  for (const l of LAYOUTS) {
    const { front, node } = await frontAndShim(t, bin, l);
    assert.ok(front === 'plain' || front === 'shim', `${l.name}: the front started ${front}`);
    if (node === 'managed') assert.equal(front, 'shim', `${l.name}: a managed command line must reach the shim`);
    if (front === 'shim' && node === 'passthrough') handedOver.push(l.name);
    else if (front === 'plain') assert.equal(node, 'passthrough', l.name);
  }
  t.diagnostic(`handed over although not cilo's: ${handedOver.join('; ')}`);
  assert.deepEqual(
    handedOver,
    LAYOUTS.filter((l) => l.conservative).map((l) => l.name),
    'the conservative cases, and no others',
  );
});

test('a missing or stale PWD: the front runs docker compose itself and passes PWD on as it received it', (t) => {
  const bin = tempDir(t, 'cilo-front-fakes-');
  // What the fake docker was started with, straight from the kernel (a shell of its own would set PWD).
  writeFileSync(
    join(bin, 'docker'),
    "#!/bin/sh\necho plain\ntr '\\0' '\\n' < /proc/$$/environ | grep '^PWD=' || echo 'no PWD'\n",
    { mode: 0o755 },
  );
  writeFileSync(join(bin, 'node'), '#!/bin/sh\necho shim\n', { mode: 0o755 });
  const root = build(t, { name: 'plain', files: { 'proj/compose.yaml': PLAIN } });
  const cwd = join(root, 'proj');
  // TMPDIR: where the front leaves the environment for the shim (the fake node never takes it).
  const run = (...pwd: string[]) =>
    execFileSync('env', ['-i', `PATH=${bin}:/usr/bin:/bin`, `HOME=${root}`, `TMPDIR=${root}`, ...pwd, BIN_SHIM, 'ps'], {
      cwd,
      encoding: 'utf8',
    })
      .trim()
      .split('\n');
  assert.deepEqual(run(`PWD=${cwd}`), ['plain', `PWD=${cwd}`]);
  assert.deepEqual(run(), ['plain', 'no PWD'], 'none received, none passed on');
  assert.deepEqual(
    run(`PWD=${root}`),
    ['plain', `PWD=${root}`],
    'a stale one passed on as it was (Compose then uses the physical directory)',
  );
  assert.deepEqual(run('PWD=/a\nb'), ['shim'], 'a value the front cannot read back exactly: the shim');
});
