// lib/state/cache.ts: answers kept under $CILO_HOME/cache by a key of what they came from; a miss, never an
// error, when an entry is missing or unreadable; at most a bounded number of entries per kind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheKey, readCache, writeCache } from '../../lib/state/cache.ts';
import { tempDir } from '../helpers.ts';

test('a key changes with any part; an entry written is read back; a missing or torn one is a miss', (t) => {
  const home = tempDir(t);
  assert.notEqual(cacheKey('a', 'b'), cacheKey('a', 'c'));
  assert.notEqual(cacheKey('ab', ''), cacheKey('a', 'b'), 'parts are separated');
  const key = cacheKey('compose.yaml', 'services: {}');
  assert.equal(readCache(home, 'projects', key), undefined);
  writeCache(home, 'projects', key, { xcilo: {}, model: null });
  assert.deepEqual(readCache(home, 'projects', key), { xcilo: {}, model: null });
  writeFileSync(join(home, 'cache', 'projects', `${key}.json`), '{"val');
  assert.equal(readCache(home, 'projects', key), undefined, 'a torn entry is a miss');
});

test('a cache that cannot be written is only slower: no error', (t) => {
  const home = join(tempDir(t), 'file');
  writeFileSync(home, 'not a directory');
  assert.doesNotThrow(() => writeCache(home, 'compose', cacheKey('x'), '2.40.3'));
  assert.equal(readCache(home, 'compose', cacheKey('x')), undefined);
});

test('at most 200 entries of a kind: the oldest go first', (t) => {
  const home = tempDir(t);
  const dir = join(home, 'cache', 'projects');
  for (let i = 0; i < 200; i++) writeCache(home, 'projects', cacheKey(i), i);
  for (const [i, f] of readdirSync(dir).sort().entries()) utimesSync(join(dir, f), i, i);
  const oldest = readdirSync(dir).sort()[0]!;
  writeCache(home, 'projects', cacheKey('new'), 'new');
  const left = readdirSync(dir);
  assert.equal(left.length, 200);
  assert.ok(!left.includes(oldest), 'the oldest entry went');
  assert.equal(readCache(home, 'projects', cacheKey('new')), 'new');
});
