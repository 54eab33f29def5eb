// lib/dns/setup.ts: what `cilo dns setup` writes (or prints) for each host resolver.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  detectResolverKind,
  parseResolverKind,
  resolverDrift,
  resolverPlan,
  RESOLVED_DROPIN,
} from '../../lib/dns/setup.ts';
import { UserError } from '../../lib/errors/index.ts';

/** `key=value` lines of an ini-style section, comments dropped. */
function iniSection(text: string, section: string): Record<string, string> {
  const out: Record<string, string> = {};
  let inSection = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const s = /^\[(.+)\]$/.exec(line);
    if (s) {
      inSection = s[1] === section;
      continue;
    }
    if (!inSection) continue;
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    assert.ok(m, `a key=value line: ${line}`);
    out[m[1]!] = m[2]!;
  }
  return out;
}

test('systemd-resolved: one drop-in routing ~suffix domains to 127.0.0.1:<port>', () => {
  const plan = resolverPlan('systemd-resolved', 5354, ['test', 'dev']);
  assert.equal(plan.kind, 'systemd-resolved');
  assert.equal(plan.files.length, 1);
  assert.equal(plan.files[0]!.path, RESOLVED_DROPIN);
  assert.equal(RESOLVED_DROPIN, '/etc/systemd/resolved.conf.d/cilo.conf');
  assert.deepEqual(iniSection(plan.files[0]!.content, 'Resolve'), { DNS: '127.0.0.1:5354', Domains: '~test ~dev' });
  assert.ok(plan.files[0]!.content.endsWith('\n'));
  assert.deepEqual(plan.then, [['systemctl', 'restart', 'systemd-resolved']]);
  assert.equal(plan.manual, undefined);
});

test('systemd-resolved: the port and the suffixes are the ones given', () => {
  const plan = resolverPlan('systemd-resolved', 15353, ['dev.internal']);
  assert.deepEqual(iniSection(plan.files[0]!.content, 'Resolve'), { DNS: '127.0.0.1:15353', Domains: '~dev.internal' });
});

test('macOS: one /etc/resolver/<suffix> file per suffix with nameserver and port', () => {
  const plan = resolverPlan('macos', 5354, ['test', 'dev']);
  assert.equal(plan.kind, 'macos');
  assert.deepEqual(
    plan.files.map((f) => f.path),
    ['/etc/resolver/test', '/etc/resolver/dev'],
  );
  for (const f of plan.files) {
    const lines = f.content.split('\n').filter((l) => l && !l.startsWith('#'));
    assert.deepEqual(lines, ['nameserver 127.0.0.1', 'port 5354']);
  }
  assert.deepEqual(plan.then, []);
});

test('manual: instructions only, naming the suffixes, the address and the port', () => {
  const plan = resolverPlan('manual', 5354, ['test', 'dev']);
  assert.equal(plan.kind, 'manual');
  assert.deepEqual(plan.files, []);
  assert.deepEqual(plan.then, []);
  const text = plan.manual!;
  assert.match(text, /\*\.test, \*\.dev/);
  assert.match(text, /127\.0\.0\.1 port 5354/);
  assert.match(text, /"server=\/test\/127\.0\.0\.1#5354" and "server=\/dev\/127\.0\.0\.1#5354"/);
  assert.match(text, /dig @127\.0\.0\.1 -p 5354 <service>\.<env>\.test/);
});

test('manual with no suffixes still gives a usable example', () => {
  assert.match(resolverPlan('manual', 5354, []).manual!, /<service>\.<env>\.test/);
});

test('detectResolverKind', () => {
  assert.equal(detectResolverKind('darwin', false), 'macos');
  assert.equal(detectResolverKind('darwin', true), 'macos');
  assert.equal(detectResolverKind('linux', true), 'systemd-resolved');
  assert.equal(detectResolverKind('linux', false), 'manual');
  assert.equal(detectResolverKind('win32', true), 'manual');
  assert.equal(detectResolverKind('freebsd', false), 'manual');
});

test('parseResolverKind accepts the three kinds and rejects others with a hint', () => {
  for (const k of ['systemd-resolved', 'macos', 'manual'] as const) assert.equal(parseResolverKind(k), k);
  assert.throws(
    () => parseResolverKind('resolvconf'),
    (e: unknown) =>
      e instanceof UserError &&
      /unknown resolver kind "resolvconf"/.test(e.message) &&
      /systemd-resolved, macos or manual/.test(e.hint ?? ''),
  );
});

test("resolverDrift: cilo's files that send names to another port; identical or foreign files are not drift", () => {
  const plan = resolverPlan('systemd-resolved', 5398, ['test']);
  const other = resolverPlan('systemd-resolved', 5354, ['test']).files[0]!.content;
  assert.deepEqual(
    resolverDrift(plan, () => other),
    [{ path: RESOLVED_DROPIN, port: 5354 }],
  );
  assert.deepEqual(
    resolverDrift(plan, () => plan.files[0]!.content),
    [],
  );
  assert.deepEqual(
    resolverDrift(plan, () => undefined),
    [],
    'no file: nothing routed',
  );
  assert.deepEqual(
    resolverDrift(plan, () => '[Resolve]\nDNS=127.0.0.1:53\n'),
    [],
    'not written by cilo',
  );
  const mac = resolverPlan('macos', 5398, ['test']);
  const macOther = resolverPlan('macos', 5400, ['test']).files[0]!.content;
  assert.deepEqual(
    resolverDrift(mac, () => macOther),
    [{ path: '/etc/resolver/test', port: 5400 }],
  );
  const noPort = '# Written by cilo dns setup\nnameserver 127.0.0.1\n';
  assert.deepEqual(
    resolverDrift(mac, () => noPort),
    [{ path: '/etc/resolver/test', port: undefined }],
  );
});
