// lib/state/usage.ts: when a command last used an environment — its mark, or the state's own times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { lastUsed, markUsed } from '../../lib/state/usage.ts';
import { tempDir } from '../helpers.ts';

const env = { name: 'dev', created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-02-01T00:00:00.000Z' };

test('never marked: the newer of created_at and updated_at', (t) => {
  assert.equal(lastUsed(tempDir(t), env).toISOString(), env.updated_at);
  assert.equal(lastUsed(tempDir(t), { ...env, updated_at: undefined }).toISOString(), env.created_at);
});

test('a mark (made with its directory when missing) is newer than what state says; marking again moves it', (t) => {
  const home = tempDir(t);
  markUsed(home, 'dev', new Date('2026-03-01T00:00:00Z'));
  assert.equal(lastUsed(home, env).toISOString(), '2026-03-01T00:00:00.000Z');
  markUsed(home, 'dev', new Date('2026-04-01T00:00:00Z'));
  assert.equal(lastUsed(home, env).toISOString(), '2026-04-01T00:00:00.000Z');
});

test('a home it cannot write: the command goes on, and the state times count', (t) => {
  if (process.getuid?.() === 0) return t.skip('root writes anywhere');
  const home = tempDir(t);
  mkdirSync(join(home, 'envs'));
  chmodSync(join(home, 'envs'), 0o500);
  t.after(() => chmodSync(join(home, 'envs'), 0o700));
  markUsed(home, 'dev');
  assert.equal(lastUsed(home, env).toISOString(), env.updated_at);
});
