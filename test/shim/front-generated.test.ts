// The shell front against the shim's decide() on layouts generated at random (a fixed seed, so a failure
// repeats) from the pieces the two decide by: directory names (Unicode ones among them), which compose files
// exist, x-cilo and name: written every way YAML allows, a state registering some names, a .env, global
// flags and subcommands (the ones the front's generated lists name among them). The front may hand over too
// often, never too rarely: a command line decide() manages must reach the shim.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_NAMES, OVERRIDE_NAMES } from '../../lib/compose/resolve.ts';
import { PROJECTLESS } from '../../lib/compose/subcommands.ts';
import { fakes, frontAndShim, state, type Layout } from './layouts.ts';

/** mulberry32: a small seeded generator, so every run sees the same layouts. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** Directory names, each with the project name Compose makes of it (lower-cased as Go does, then [a-z0-9_-]). */
const DIRS: Record<string, string> = {
  proj: 'proj',
  'My.Proj_1': 'myproj_1',
  İstanbul: 'istanbul',
  '\u212Aelvin': 'kelvin',
  café: 'caf',
  reg: 'reg',
  '-x_y': 'x_y',
  ÅSA: 'sa',
  'a b': 'ab',
  Reg: 'reg',
};
const OTHERS = ['reg', 'other', 'proj', 'istanbul'];
const XCILO = [
  '',
  'x-cilo: {}\n',
  '"x-cilo": {}\n',
  "'x-cilo':\n  project: p\n",
  'x-cilo:\n',
  '# x-cilo: {}\n',
  'x-cilo : {}\n',
];
const NAMES = [
  '',
  'name: reg\n',
  'name: "reg"\n',
  "name: 'reg' # c\n",
  'name: |\n  reg\n',
  'name: >-\n  reg\n',
  'name:\n  reg\n',
  'name: &a reg\n',
  'name: !!str reg\n',
  'name: re\n  g\n',
  'name: ${NAME:-reg}\n',
  'name: "r\\x65g"\n',
  'name: other\n',
  '"name": reg\n',
];
const SERVICES = ['services:\n  app:\n    image: x\n', 'services: {}\n', ''];
const ARGV = [
  ['ps'],
  ['ps'],
  ['config'],
  ['up', '-d'],
  ['-p', 'reg', 'ps'],
  ['--ansi', 'never', 'ps'],
  ...PROJECTLESS.map((s) => [s]),
];
const ENVFILES = [undefined, 'TAG=1\n', 'COMPOSE_PROJECT_NAME=reg\n'];

function generate(r: () => number, i: number): Layout {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const maybe = <T>(p: number, xs: readonly T[], none: T): T => (r() < p ? pick(xs) : none);
  const dir = pick(Object.keys(DIRS));
  const doc = [maybe(0.4, NAMES, ''), maybe(0.3, XCILO, ''), pick(SERVICES)].sort(() => r() - 0.5).join('');
  const files: Record<string, string> = { [`${dir}/${pick(BASE_NAMES)}`]: doc || 'services: {}\n' };
  if (r() < 0.2) files[`${dir}/${pick(OVERRIDE_NAMES)}`] = pick(XCILO) + pick(NAMES);
  const registered = [...(r() < 0.5 ? [DIRS[dir]!] : []), ...OTHERS.filter(() => r() < 0.3)];
  if (r() < 0.8) files['home/.cilo/state.json'] = state(...registered);
  const envFile = pick(ENVFILES);
  if (envFile) files[`${dir}/.env`] = envFile;
  return {
    name: `layout ${i}: ${JSON.stringify({ files, dir })}`,
    files,
    cwd: r() < 0.2 ? `${dir}/sub` : dir,
    argv: r() < 0.5 ? ['ps'] : pick(ARGV),
  };
}

test('generated layouts: the front never runs docker compose itself for a command line the shim manages', async (t) => {
  const bin = fakes(t);
  const r = random(20261206);
  const count = { managed: 0, plain: 0, handedOver: 0 };
  for (let i = 0; i < 400; i++) {
    const l = generate(r, i);
    if (l.cwd!.endsWith('/sub')) l.files[`${l.cwd}/.keep`] = '';
    const { front, node } = await frontAndShim(t, bin, l);
    assert.ok(front === 'plain' || front === 'shim', `${l.name}: the front started ${front}`);
    if (node === 'managed') assert.equal(front, 'shim', `${l.name}: a managed command line must reach the shim`);
    if (node === 'managed') count.managed++;
    else if (front === 'plain') count.plain++;
    else count.handedOver++;
  }
  t.diagnostic(`managed ${count.managed}, plain ${count.plain}, handed over although plain ${count.handedOver}`);
  // The generator must reach every outcome, or the test proves little.
  for (const [k, n] of Object.entries(count)) assert.ok(n >= 20, `${k}: only ${n} of 400 layouts`);
});
