// lib/core/plan/access.ts: how the host reaches an engine's containers, from what the engine says about itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accessOf, engineAccess } from '../../../lib/core/plan/access.ts';
import { parseEngineInfo } from '../../../lib/docker/objects.ts';

const info = (over: object) =>
  parseEngineInfo({ ID: 'X', OperatingSystem: 'Debian GNU/Linux 12', SecurityOptions: ['name=seccomp'], ...over });

test('a rootful engine here routes; rootless, Docker Desktop or an engine elsewhere publish', () => {
  assert.equal(engineAccess(info({}), true).mode, 'routed');
  assert.deepEqual(engineAccess(info({ SecurityOptions: ['name=seccomp', 'name=rootless'] }), true), {
    mode: 'published',
    why: 'the engine runs rootless',
  });
  assert.equal(engineAccess(info({ OperatingSystem: 'Docker Desktop' }), true).mode, 'published');
  assert.equal(engineAccess(info({}), false).mode, 'published');
});

test('CILO_ACCESS, then x-cilo.access, then the engine', () => {
  assert.equal(accessOf({ access: 'published' }, 'routed', 'routed'), 'published');
  assert.equal(accessOf({}, 'published', 'routed'), 'published');
  assert.equal(accessOf({}, undefined, 'published'), 'published');
});

test('Podman: a stable identity in place of its random ID; rootless Podman publishes, rootful Podman here routes', () => {
  const podman = (over: object) =>
    info({ BuildahVersion: '1.28.2', Name: 'vm', DockerRootDir: '/var/lib/containers/storage', ...over });
  const a = podman({ ID: 'b6588161-7726-4082-b4ce-5efc6af04575' });
  const b = podman({ ID: '3653eb65-e440-4e47-b3e2-17f393d65bfe' });
  assert.equal(a.podman, true);
  assert.equal(a.id, b.id, 'every /info of one Podman names the same engine');
  assert.notEqual(a.id, podman({ DockerRootDir: '/home/u/.local/share/containers/storage' }).id);
  assert.equal(info({}).podman, false);
  assert.equal(info({}).id, 'X', "Docker's own ID");
  assert.equal(engineAccess(a, true).mode, 'routed');
  assert.deepEqual(engineAccess(podman({ Rootless: true }), true), {
    mode: 'published',
    why: 'the engine runs rootless',
  });
});
