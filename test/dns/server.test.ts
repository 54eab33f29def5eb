// lib/dns/server.ts without a running dnsmasq: the config it writes, and its status when nothing runs.
// Starting and stopping the real dnsmasq is covered by test/integration/dns.integration.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { dnsPort, dnsStatus, ensureDnsServer, renderDnsmasqConf, stopDnsServer } from '../../lib/dns/server.ts';
import type { ProcessRunner } from '../../lib/docker/process.ts';
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
    settings: { dns: { enabled: true, port, portSet: true, suffix: 'test', allowedSuffixes: [] } },
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

test('another account holds the default port: a port of this account’s own, recorded and said; a port the user named never moves', async (t) => {
  // The test process holds the port; the context says its own uid is another one.
  const holder = createSocket('udp4');
  await new Promise<void>((r) => holder.bind(0, '127.0.0.1', r));
  t.after(() => holder.close());
  const taken = holder.address().port;
  const started: string[] = [];
  const runner: ProcessRunner = {
    async run(cmd, args) {
      assert.match(cmd, /dnsmasq$/);
      started.push(readFileSync(String(args[0]).replace('--conf-file=', ''), 'utf8'));
      return { code: 0, signal: null, stdout: '', stderr: '' };
    },
    exec: async () => assert.fail('no exec'),
    pipe: async () => assert.fail('no pipe'),
  };
  const withPort = (portSet: boolean) => {
    const ctx = fakeContext(t, runner, {
      settings: { dns: { enabled: true, port: taken, portSet, suffix: 'test', allowedSuffixes: [] } },
    });
    return { ...ctx, host: { ...ctx.host, uid: (userInfo().uid + 1) % 60000 } };
  };

  const moved = withPort(false);
  await ensureDnsServer(moved, emptyState());
  const own = dnsPort(moved);
  assert.notEqual(own, taken);
  assert.ok(own > taken && own <= taken + 1050, `a port past the default, from the uid: ${own}`);
  assert.match(started[0]!, new RegExp(`^port=${own}$`, 'm'));
  assert.equal(readFileSync(join(moved.home, 'dns', 'port'), 'utf8'), `${own}\n`, 'recorded');
  assert.ok(
    moved.logged.some(
      (l) => l.includes(`port ${taken} is held by ${userInfo().username}`) && l.includes(`127.0.0.1:${own}`),
    ),
    moved.logged.join('\n'),
  );

  const named = withPort(true);
  await ensureDnsServer(named, emptyState());
  assert.match(started[1]!, new RegExp(`^port=${taken}$`, 'm'), 'CILO_DNS_PORT is never moved');
  assert.equal(dnsPort(named), taken);
});
