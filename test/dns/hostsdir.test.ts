// lib/dns/hostsdir.ts: one hosts file per running environment in $CILO_HOME/dns/hosts (dnsmasq --hostsdir).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { hostsDir, hostsDrift, refreshRecords, renderHostsFile, syncHostsDir } from '../../lib/dns/hostsdir.ts';
import { stateLockFile } from '../../lib/state/paths.ts';
import { StateStore, updateState } from '../../lib/state/store.ts';
import { emptyState, localEnvironments, type EnvStatus, type State } from '../../lib/state/schema.ts';
import { flockHolder, tempDir } from '../helpers.ts';

function home(t: TestContext): string {
  const h = join(tempDir(t), 'home');
  mkdirSync(h, { mode: 0o700 });
  return h;
}

/** A state with environments `name → [status, {service: addresses}]`. */
function state(envs: Record<string, [EnvStatus, Record<string, string[]>]>): State {
  const s = emptyState();
  for (const [name, [status, services]] of Object.entries(envs)) {
    localEnvironments(s)[`p/${name}`] = {
      name,
      project: 'p',
      created_at: 'now',
      subnet: '10.224.0.0/24',
      status,
      source: '/src',
      services: Object.fromEntries(
        Object.entries(services).map(([svc, addresses]) => [
          svc,
          { name: svc, dns_name: `${svc}.${name}.test`, addresses, replicas: 1 },
        ]),
      ),
      shared_networks: [],
    };
  }
  return s;
}

const files = (h: string) => readdirSync(hostsDir(h)).sort();
const read = (h: string, env: string) => readFileSync(join(hostsDir(h), env), 'utf8');

test('renderHostsFile: one "address name" line per address', () => {
  assert.equal(
    renderHostsFile([
      { name: 'web.dev.test', addresses: ['10.224.0.2'] },
      { name: 'worker.dev.test', addresses: ['10.224.0.129', '10.224.0.130'] },
    ]),
    '10.224.0.2 web.dev.test\n10.224.0.129 worker.dev.test\n10.224.0.130 worker.dev.test\n',
  );
  assert.equal(renderHostsFile([]), '');
});

test('syncHostsDir writes one file per running environment with its records; readable by dnsmasq', (t) => {
  const h = home(t);
  syncHostsDir(
    h,
    state({
      dev: ['running', { web: ['10.224.0.2'], db: ['10.224.0.3'] }],
      qa: ['running', { web: ['10.224.1.2'] }],
      off: ['stopped', { web: ['10.224.2.2'] }],
    }),
  );
  assert.equal(hostsDir(h), join(h, 'dns', 'hosts'));
  assert.deepEqual(files(h), ['dev', 'qa']);
  assert.equal(read(h, 'dev'), '10.224.0.3 db.dev.test\n10.224.0.2 web.dev.test\n');
  assert.equal(read(h, 'qa'), '10.224.1.2 web.qa.test\n');
  // dnsmasq may run as another user: world-readable files in a traversable directory
  assert.equal(statSync(join(hostsDir(h), 'dev')).mode & 0o777, 0o644);
  assert.equal(statSync(hostsDir(h)).mode & 0o755, 0o755);
  // nothing left in the staging directory
  assert.deepEqual(readdirSync(join(h, 'dns', 'staging')), []);
});

test('syncHostsDir rewrites only the files whose content changed', (t) => {
  const h = home(t);
  syncHostsDir(h, state({ dev: ['running', { web: ['10.224.0.2'] }], qa: ['running', { web: ['10.224.1.2'] }] }));
  const dev1 = statSync(join(hostsDir(h), 'dev'));
  const qa1 = statSync(join(hostsDir(h), 'qa'));
  syncHostsDir(h, state({ dev: ['running', { web: ['10.224.0.2'] }], qa: ['running', { web: ['10.224.1.9'] }] }));
  const dev2 = statSync(join(hostsDir(h), 'dev'));
  const qa2 = statSync(join(hostsDir(h), 'qa'));
  assert.equal(dev2.ino, dev1.ino, 'unchanged file left alone');
  assert.equal(dev2.mtimeMs, dev1.mtimeMs);
  assert.notEqual(qa2.ino, qa1.ino, 'changed file replaced (renamed in, never rewritten in place)');
  assert.equal(read(h, 'qa'), '10.224.1.9 web.qa.test\n');
});

test('syncHostsDir removes files of stopped, destroyed and address-less environments, and strays', (t) => {
  const h = home(t);
  syncHostsDir(
    h,
    state({
      a: ['running', { web: ['10.224.0.2'] }],
      b: ['running', { web: ['10.224.1.2'] }],
      c: ['running', { web: ['10.224.2.2'] }],
    }),
  );
  assert.deepEqual(files(h), ['a', 'b', 'c']);
  writeFileSync(join(hostsDir(h), 'stray'), '10.9.9.9 stray.test\n');
  // a stopped, b gone from state, c running without addresses
  syncHostsDir(h, state({ a: ['stopped', { web: ['10.224.0.2'] }], c: ['running', { web: [] }] }));
  assert.deepEqual(files(h), []);
  // and an address-less running environment never gets an (empty) file
  syncHostsDir(h, state({ d: ['running', { web: [] }] }));
  assert.equal(existsSync(join(hostsDir(h), 'd')), false);
});

test('syncHostsDir on an empty state creates the directory, empty', (t) => {
  const h = home(t);
  syncHostsDir(h, emptyState());
  assert.deepEqual(files(h), []);
});

test('syncHostsDir: a publisher’s exported services are served at their shared-network addresses', (t) => {
  const h = home(t);
  const s = state({ db: ['running', { postgres: ['10.224.0.2'] }] });
  localEnvironments(s)['p/db']!.services.postgres!.shared_addresses = ['10.224.1.2'];
  syncHostsDir(h, s);
  assert.equal(read(h, 'db'), '10.224.1.2 postgres.db.test\n');
});

test('hostsDrift is the one rule: sync makes it empty, and it reports exactly what sync would change', (t) => {
  const h = home(t);
  const s = state({ dev: ['running', { web: ['10.224.0.2'] }], idle: ['running', { web: [] }] });
  assert.deepEqual([...hostsDrift(h, s).write.keys()], ['dev'], 'a missing directory: every file is to write');
  syncHostsDir(h, s);
  writeFileSync(join(hostsDir(h), 'idle'), '');
  writeFileSync(join(hostsDir(h), 'dev'), '10.9.9.9 web.dev.test\n');
  const drift = hostsDrift(h, s);
  assert.deepEqual([...drift.write], [['dev', '10.224.0.2 web.dev.test\n']]);
  assert.deepEqual(drift.remove, ['idle'], 'an empty file of an environment without records is stale too');
  syncHostsDir(h, s);
  assert.deepEqual(hostsDrift(h, s), { write: new Map(), remove: [] });
});

test('refreshRecords renders outside the state lock, and never an older state over a newer one', async (t) => {
  const h = home(t);
  const deps = { home: h, locks: { timeoutMs: 5000 }, store: new StateStore(h) };
  const older = await updateState(h, (s) => Object.assign(s, state({ dev: ['running', { web: ['10.224.0.2'] }] })));
  const newer = await updateState(h, (s) => Object.assign(s, state({ dev: ['running', { web: ['10.224.0.9'] }] })));
  assert.ok((newer.revision ?? 0) > (older.revision ?? 0));
  // Another process holds the state lock all along: rendering does not need it.
  await flockHolder(t, stateLockFile(h), 30);
  await refreshRecords(deps, newer);
  await refreshRecords(deps, older);
  assert.equal(read(h, 'dev'), '10.224.0.9 web.dev.test\n', 'the older render, arriving last, was skipped');
  writeFileSync(join(hostsDir(h), 'dev'), 'tampered\n');
  await refreshRecords(deps);
  assert.equal(
    read(h, 'dev'),
    '10.224.0.9 web.dev.test\n',
    'without a state given: the current one, whatever was rendered',
  );
});
