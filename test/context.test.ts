// lib/context.ts: one context, whose lock options (from the settings) every lock of cilo honours.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSettings } from '../lib/settings.ts';
import { ensureNetwork } from '../lib/network/networks.ts';
import { ensureDnsServer } from '../lib/dns/server.ts';
import { dnsDir, networkLockFile, stateLockFile } from '../lib/state/paths.ts';
import { emptyState } from '../lib/state/schema.ts';
import { UserError } from '../lib/errors/index.ts';
import { environmentAsReceived } from '../lib/context.ts';
import { flockHolder, ROOT, tempDir } from './helpers.ts';
import { fakeContext, fakeRunner } from './fakes.ts';

test('the state, network and DNS-server locks all wait CILO_LOCK_TIMEOUT, then fail naming the lock', async (t) => {
  const ctx = fakeContext(t, fakeRunner(() => ({ code: 1, stderr: 'Error: No such network: x\n' })).runner, {
    settings: { lockTimeoutMs: parseSettings({ CILO_LOCK_TIMEOUT: '0.3' }).lockTimeoutMs },
  });
  assert.equal(ctx.locks.timeoutMs, 300);
  mkdirSync(dnsDir(ctx.home), { recursive: true });
  mkdirSync(join(ctx.home, 'locks'), { recursive: true });
  const locks = [stateLockFile(ctx.home), networkLockFile(ctx.home, 'cilo-x'), join(dnsDir(ctx.home), 'server.lock')];
  for (const f of locks) await flockHolder(t, f, 20);
  const attempts: [string, () => Promise<unknown>][] = [
    ['state', () => ctx.store.update(() => undefined)],
    ['network', () => ensureNetwork(ctx, { name: 'cilo-x', subnet: '10.224.0.0/24', labels: {} })],
    ['dns', () => ensureDnsServer(ctx, emptyState())],
  ];
  for (const [i, [what, attempt]] of attempts.entries()) {
    const started = Date.now();
    await assert.rejects(
      attempt(),
      (e: unknown) =>
        e instanceof UserError &&
        e.message.includes(locks[i]!) &&
        /held by another process for 0\.\d s/.test(e.message),
      what,
    );
    const waited = Date.now() - started;
    assert.ok(waited >= 250 && waited < 5000, `${what} waited ${waited} ms`);
  }
});

test('the environment as received: CA certificates back, the compile cache set for cilo alone taken away', () => {
  assert.deepEqual(
    environmentAsReceived({
      PATH: '/bin',
      __CILO_NODE_EXTRA_CA_CERTS: '/ca.pem',
      NODE_COMPILE_CACHE: '/home/me/.cache/cilo/node-compile-cache',
      __CILO_COMPILE_CACHE: '1',
      __CILO_SIGIGN: '0000000000000001',
    }),
    { PATH: '/bin', NODE_EXTRA_CA_CERTS: '/ca.pem' },
  );
  assert.deepEqual(
    environmentAsReceived({ PATH: '/bin', NODE_COMPILE_CACHE: '/mine' }),
    { PATH: '/bin', NODE_COMPILE_CACHE: '/mine' },
    "the user's own is theirs",
  );
});

test('bin/cilo gives Node a compile cache in the user cache directory, unless one is set or HOME is not', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'node'), '#!/bin/sh\necho "${NODE_COMPILE_CACHE:-none} ${__CILO_COMPILE_CACHE:-}"\n', {
    mode: 0o755,
  });
  const run = (env: NodeJS.ProcessEnv) =>
    spawnSync(join(ROOT, 'bin', 'cilo'), [], {
      env: { PATH: `${dir}:${process.env.PATH}`, ...env },
      encoding: 'utf8',
    }).stdout.trim();
  assert.equal(run({ HOME: '/home/me' }), '/home/me/.cache/cilo/node-compile-cache 1');
  assert.equal(run({ HOME: '/home/me', XDG_CACHE_HOME: '/x' }), '/x/cilo/node-compile-cache 1');
  assert.equal(run({ HOME: '/home/me', NODE_COMPILE_CACHE: '/mine' }), '/mine');
  assert.equal(run({}), 'none');
});
