// lib/context.ts: one context, whose lock options (from the settings) every lock of cilo honours.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseSettings } from '../lib/settings.ts';
import { ensureNetwork } from '../lib/network/networks.ts';
import { ensureDnsServer } from '../lib/dns/server.ts';
import { dnsDir, networkLockFile, stateLockFile } from '../lib/state/paths.ts';
import { emptyState } from '../lib/state/schema.ts';
import { UserError } from '../lib/errors/index.ts';
import { flockHolder } from './helpers.ts';
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
