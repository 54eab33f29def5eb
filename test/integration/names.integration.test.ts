// Names from compose files and arguments are checked before they become paths or Docker names
// (docs/DESIGN.md §13, "Threat model"), on the real engine: a clear error, nothing written outside
// CILO_HOME, no Docker object made.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ciloCompose, ciloEnv, docker, requireDocker, tempDir, uniqueName } from '../helpers.js';

const BAD = ['../../x', 'a/b', '-flag', 'café', 'x'.repeat(300)];

/** Every file and folder under `dir`, as paths relative to it. */
function tree(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) => {
    const rel = join(prefix, e.name);
    return e.isDirectory() ? [rel, ...tree(dir, rel)] : [rel];
  });
}

const objectsOf = (name: string) =>
  ['ps -aq', 'network ls -q', 'volume ls -q'].flatMap((ls) =>
    docker([...ls.split(' '), '--filter', `label=com.docker.compose.project=${name}`])
      .split('\n')
      .filter(Boolean),
  );

test('a network or volume name that is not a Docker name: refused, naming file and key; nothing made anywhere', async (t) => {
  if (!requireDocker(t)) return;
  const { env, home } = await ciloEnv(t, { CILO_DNS: 'off' });
  const dir = tempDir(t);
  const outside = dirname(home);
  const beside = () => tree(outside).filter((p) => !p.startsWith('home'));
  const before = beside();
  for (const [kind, bad] of [...BAD.map((b) => ['network', b] as const), ['volume', '../../v'] as const]) {
    const name = uniqueName('nm');
    writeFileSync(
      join(dir, 'compose.yaml'),
      [
        'x-cilo: {}',
        'services:',
        '  web:',
        '    image: cilo-fixture:busybox',
        '    command: ["sleep", "1000"]',
        kind === 'network' ? '    networks: [evil]' : '    volumes: ["evil:/data"]',
        `${kind}s:`,
        '  evil:',
        `    name: ${JSON.stringify(bad)}`,
        '',
      ].join('\n'),
    );
    const r = await ciloCompose(['-p', name, 'up', '-d'], { env, cwd: dir });
    assert.equal(r.exitCode, 2, `${kind} ${bad}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`invalid ${kind} name .*\\(compose.yaml: ${kind}s.evil.name\\)`));
    assert.match(r.stderr, /hint: use e\.g\. "shop_evil"/);
    assert.deepEqual(objectsOf(name), [], `${kind} ${bad}: no Docker object`);
  }
  assert.deepEqual(beside(), before, 'nothing written beside CILO_HOME');
  assert.ok(!tree(home).some((p) => p.includes('..') || p.startsWith('envs')), 'nothing registered in it');
});

test('an environment name that is not a DNS label: refused before anything is made', async (t) => {
  if (!requireDocker(t)) return;
  const { env, home } = await ciloEnv(t, { CILO_DNS: 'off' });
  const dir = tempDir(t);
  writeFileSync(join(dir, 'compose.yaml'), 'x-cilo: {}\nservices:\n  web:\n    image: cilo-fixture:busybox\n');
  for (const bad of BAD) {
    const r = await ciloCompose([`--project-name=${bad}`, 'up', '-d'], { env, cwd: dir });
    assert.notEqual(r.exitCode, 0, bad);
    assert.match(r.stderr, /invalid (environment|project) name|project name must/i, `${bad}: ${r.stderr}`);
    assert.deepEqual(objectsOf(bad.slice(0, 60)), []);
  }
  assert.ok(!tree(home).some((p) => p.startsWith('envs')), 'nothing registered');
});
