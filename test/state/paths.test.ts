// lib/state/paths.ts: where cilo keeps things, and the identity of a CILO_HOME.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join, relative } from 'node:path';
import {
  dnsDir,
  envDir,
  homeId,
  networkLockFile,
  overrideFile,
  resolveHome,
  stateFile,
  stateLockFile,
} from '../../lib/state/paths.ts';

test('resolveHome: CILO_HOME when set and non-empty, else ~/.cilo', () => {
  assert.equal(resolveHome({ CILO_HOME: '/x/home' }, '/home/u'), '/x/home');
  assert.equal(resolveHome({}, '/home/u'), '/home/u/.cilo');
  assert.equal(resolveHome({ CILO_HOME: '' }, '/home/u'), '/home/u/.cilo');
});

test('file layout under $CILO_HOME', () => {
  const h = '/h';
  assert.equal(stateFile(h), '/h/state.json');
  assert.equal(stateLockFile(h), '/h/state.lock');
  assert.match(networkLockFile(h, 'cilo-dev'), /^\/h\/locks\/network-[0-9a-f]{24}\.lock$/);
  // A name from the compose files never becomes a path: one per name, always inside the home.
  assert.notEqual(networkLockFile(h, 'cilo-dev'), networkLockFile(h, 'cilo-dev2'));
  assert.match(networkLockFile(h, '../../../etc/passwd'), /^\/h\/locks\/network-[0-9a-f]{24}\.lock$/);
  assert.notEqual(stateLockFile(h), stateFile(h), 'the lock is never the renamed state file');
  assert.equal(envDir(h, 'dev'), '/h/envs/dev');
  assert.equal(overrideFile(h, 'dev'), '/h/envs/dev/override.yml');
  assert.equal(dnsDir(h), '/h/dns');
});

test('homeId: 12 hex characters of sha256(absolute path); stable; path spellings of one directory agree', () => {
  const id = homeId('/home/u/.cilo');
  assert.match(id, /^[0-9a-f]{12}$/);
  assert.equal(id, createHash('sha256').update('/home/u/.cilo').digest('hex').slice(0, 12));
  assert.equal(homeId('/home/u/.cilo/'), id, 'trailing slash');
  assert.equal(homeId('/home/u/x/../.cilo'), id, 'dot-dot');
  assert.equal(homeId(relative(process.cwd(), '/home/u/.cilo')), id, 'relative to cwd');
  assert.notEqual(homeId('/home/v/.cilo'), id);
  assert.equal(homeId(join('/home/u', '.cilo')), homeId('/home/u/.cilo'));
});
