// lib/dns/server.ts without a running dnsmasq: the config it writes, and its status when nothing runs.
// Starting and stopping the real dnsmasq is covered by test/integration/dns.integration.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dnsStatus, renderDnsmasqConf, stopDnsServer } from '../../lib/dns/server.ts';
import { emptyState } from '../../lib/state/schema.ts';
import { freePort, tempDir } from '../helpers.ts';
import { fakeContext, fakeRunner } from '../fakes.ts';

test('the config: loopback only, nothing forwarded or read from the host, one local= per suffix, the hostsdir', () => {
  const conf = renderDnsmasqConf({ home: '/h', port: 5399, suffixes: ['dev', 'test'], user: 'alice' });
  assert.deepEqual(
    conf.split('\n').filter((l) => l && !l.startsWith('#')),
    [
      'port=5399',
      'listen-address=127.0.0.1',
      'bind-interfaces',
      'no-resolv',
      'no-hosts',
      'no-poll',
      'local=/dev/',
      'local=/test/',
      'hostsdir=/h/dns/hosts',
      'pid-file=/h/dns/dnsmasq.pid',
      'user=alice',
    ],
  );
});

test('status with no server: not running, not answering; a stale pid file does not count', async (t) => {
  const port = await freePort();
  const ctx = fakeContext(t, fakeRunner(() => ({})).runner, {
    settings: { dns: { enabled: true, port, suffix: 'test', allowedSuffixes: [] } },
  });
  mkdirSync(join(ctx.home, 'dns', 'hosts'), { recursive: true });
  writeFileSync(join(ctx.home, 'dns', 'hosts', 'dev'), '10.224.0.2 web.dev.test\n10.224.0.3 db.dev.test\n');
  writeFileSync(join(ctx.home, 'dns', 'dnsmasq.pid'), `${process.pid}\n`); // alive, but not a dnsmasq
  const s = await dnsStatus(ctx, emptyState());
  assert.deepEqual(s, {
    running: false,
    pid: undefined,
    port,
    answering: false,
    records: 2,
    suffixes: ['test'],
    config: join(ctx.home, 'dns', 'dnsmasq.conf'),
  });
  assert.equal(await stopDnsServer(ctx), false, 'nothing to stop');
});

test('stop without a DNS directory: nothing to do, nothing created', async (t) => {
  const home = join(tempDir(t), 'none');
  assert.equal(await stopDnsServer({ home, locks: {} }), false);
});
