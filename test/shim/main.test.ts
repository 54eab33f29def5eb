// lib/shim/main.ts: decide() on real files in temp directories. Passthrough unless the files mention
// x-cilo or the project is a registered environment; never broken by a state file it cannot read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { decide } from '../../lib/shim/main.ts';
import { UserError } from '../../lib/errors/index.ts';
import { requireCompose, tempDir } from '../helpers.ts';
import { state } from './layouts.ts';

function layout(t: TestContext, files: Record<string, string>) {
  const dir = tempDir(t);
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), text);
  }
  return dir;
}

/** A state file registering one environment. */
const registered = (name: string) => state(name);

test('projectless subcommands, no subcommand and --version pass through', async (t) => {
  const dir = layout(t, { 'compose.yaml': 'x-cilo: {}\nservices: {}\n' });
  const warn = () => assert.fail('no warning');
  for (const argv of [['version'], ['ls'], [], ['-v'], ['--version'], ['help']])
    assert.equal((await decide(argv, dir, {}, join(dir, 'home'), warn)).mode, 'passthrough', argv.join(' '));
});

test('a global flag cilo cannot read: an error on a cilo project, Compose’s to report elsewhere', async (t) => {
  const cilo = layout(t, { 'compose.yaml': 'services: {}\n', 'compose.override.yaml': '{"x-cilo": {}}\n' });
  const plain = layout(t, { 'compose.yaml': 'services: {}\n' });
  const warn = () => assert.fail('no warning');
  for (const argv of [['--bogus', 'up'], ['-f'], ['--', 'up'], ['--dry-run=1', 'up']]) {
    await assert.rejects(decide(argv, cilo, {}, join(cilo, 'home'), warn), (e: unknown) => {
      assert.ok(e instanceof UserError, String(e));
      assert.match(
        e.message,
        /cannot read the global flag .*, and .*compose\.override\.yaml makes this a cilo project \(x-cilo\)/,
      );
      assert.match(e.hint!, /docker compose --help/);
      return true;
    });
    assert.equal((await decide(argv, plain, {}, join(plain, 'home'), warn)).mode, 'passthrough', argv.join(' '));
  }
  const empty = layout(t, {});
  assert.equal((await decide(['--bogus', 'up'], empty, {}, join(empty, 'home'), warn)).mode, 'passthrough');
});

test('x-cilo in any of the files: managed, without reading the state', async (t) => {
  const dir = layout(t, {
    'compose.yaml': 'services: {}\n',
    'compose.override.yaml': 'x-cilo:\n  project: p\n',
    'home/state.json': 'not json',
  });
  const d = await decide(['up', '-d'], dir, {}, join(dir, 'home'), () => assert.fail('the state is not read'));
  assert.equal(d.mode, 'managed');
  assert.equal(d.mode === 'managed' && d.project.files.length, 2);
});

test('a registered name is managed, also through -p, COMPOSE_PROJECT_NAME or name:', async (t) => {
  const dir = layout(t, { 'app/compose.yaml': 'name: shop\nservices: {}\n', 'home/state.json': registered('shop') });
  const home = join(dir, 'home');
  const cwd = join(dir, 'app');
  assert.equal((await decide(['ps'], cwd, {}, home, () => undefined)).mode, 'managed');
  assert.equal((await decide(['-p', 'other', 'ps'], cwd, {}, home, () => undefined)).mode, 'passthrough');
  assert.equal(
    (await decide(['ps'], cwd, { COMPOSE_PROJECT_NAME: 'other' }, home, () => undefined)).mode,
    'passthrough',
  );
  const d = await decide(
    ['-p', 'shop', 'ps'],
    layout(t, { 'compose.yaml': 'services: {}\n' }),
    {},
    home,
    () => undefined,
  );
  assert.equal(d.mode, 'managed');
  assert.ok(d.mode === 'managed' && d.snapshot, 'the state it read goes along');
});

test('no compose file, or the file on stdin: passthrough (Compose reports what it must)', async (t) => {
  const dir = layout(t, { 'home/state.json': registered('x') });
  assert.deepEqual(await decide(['up'], dir, {}, join(dir, 'home'), () => undefined), {
    mode: 'passthrough',
    why: 'no compose file',
  });
  assert.deepEqual(await decide(['-f', '-', '-p', 'x', 'up'], dir, {}, join(dir, 'home'), () => undefined), {
    mode: 'passthrough',
    why: 'compose file on stdin',
  });
});

test('a state file cilo cannot read: a warning naming it, and plain docker compose', async (t) => {
  const dir = layout(t, { 'compose.yaml': 'services: {}\n', 'home/state.json': '{ torn' });
  const warnings: string[] = [];
  assert.equal((await decide(['ps'], dir, {}, join(dir, 'home'), (m) => warnings.push(m))).mode, 'passthrough');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /state\.json is not valid JSON.*running docker compose without cilo/);
});

test('a compose file whose keys do not start lines (JSON, flow style) is read with the parser', async (t) => {
  const home = (dir: string) => join(dir, 'home');
  const json = layout(t, { 'compose.yaml': '{\n  "services": {"app": {"image": "x"}},\n  "x-cilo": {}\n}\n' });
  assert.equal((await decide(['up'], json, {}, home(json), () => undefined)).mode, 'managed');
  const named = layout(t, {
    'compose.yaml': '{"name": "shop", "services": {}}\n',
    'home/state.json': registered('shop'),
  });
  const d = await decide(['ps'], named, {}, home(named), () => undefined);
  assert.ok(
    d.mode === 'managed' && d.project.name === 'shop' && d.project.nameSource === 'file',
    'the name comes from the parsed file',
  );
  const plain = layout(t, {
    'compose.yaml': '{"services": {"app": {"image": "x-cilo"}}}\n',
    'home/state.json': registered('shop'),
  });
  assert.equal((await decide(['ps'], plain, {}, home(plain), () => undefined)).mode, 'passthrough');
  const explicit = layout(t, { 'compose.yaml': 'services: {}\n? x-cilo\n: {}\n' });
  assert.equal(
    (await decide(['ps'], explicit, {}, home(explicit), () => undefined)).mode,
    'managed',
    'an explicit key',
  );
  const nested = layout(t, { 'compose.yaml': '  services:\n    app:\n      x-cilo: 1\n' });
  assert.equal(
    (await decide(['ps'], nested, {}, home(nested), () => undefined)).mode,
    'passthrough',
    'an indented document: only top-level keys count',
  );
  const broken = layout(t, { 'compose.yaml': '{"x-cilo": \n' });
  assert.deepEqual(await decide(['ps'], broken, {}, home(broken), () => assert.fail('no warning')), {
    mode: 'passthrough',
    why: 'a compose file that is not valid YAML (Compose says where)',
  });
});

test('every way YAML writes a top-level name: decide() takes the project name Compose takes (docker compose config)', async (t) => {
  if (!requireCompose(t)) return;
  const forms = [
    'name: shop\n',
    'name: "shop"\n',
    "name: 'shop' # a comment\n",
    'name: |\n  shop\n',
    'name: >-\n  shop\n',
    'name:\n  shop\n',
    'name: &n shop\n',
    'name: !!str shop\n',
    'name: sh\n  op\n',
    'name: "sh\\x6fp"\n',
    "name: 'sh''op'\n",
    'name: ${SHOP_NAME:-shop}\n',
  ];
  for (const form of forms) {
    const dir = layout(t, { 'compose.yaml': `${form}services:\n  app:\n    image: x\n` });
    const composeName = JSON.parse(
      execFileSync('docker', ['compose', 'config', '--format', 'json'], { cwd: dir, encoding: 'utf8' }),
    ).name;
    writeFileSync(join(dir, 'state.json'), registered(composeName));
    const d = await decide(['ps'], dir, {}, dir, () => undefined);
    assert.equal(d.mode, 'managed', `${JSON.stringify(form)}: Compose names the project ${composeName}, registered`);
    assert.equal(d.project.name, composeName, JSON.stringify(form));
  }
});

test('a parser failure that is not an unknown flag is a bug: reported, never a silent passthrough', async (t) => {
  const dir = layout(t, { 'compose.yaml': 'services: {}\n' });
  await assert.rejects(
    decide([undefined as unknown as string, 'ps'], dir, {}, join(dir, 'home'), () => undefined),
    (e: unknown) => e instanceof TypeError,
  );
});
