// lib/core/access.ts: how the host reaches an engine's containers, from what the engine says about itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accessOf, engineAccess } from '../../lib/core/access.ts';
import { parseEngineInfo } from '../../lib/docker/objects.ts';

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
