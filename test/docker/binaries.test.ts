// lib/docker/binaries.ts: the identity of the docker CLI and the Compose plugin it would run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeIdentity, programPath } from '../../lib/docker/binaries.ts';
import { tempDir } from '../helpers.ts';

test("docker on PATH and the user's compose plugin: an identity that changes with either binary", (t) => {
  const root = tempDir(t);
  const bin = join(root, 'bin');
  const config = join(root, 'docker-config');
  mkdirSync(bin);
  mkdirSync(join(config, 'cli-plugins'), { recursive: true });
  writeFileSync(join(bin, 'docker'), '#!/bin/sh\n', { mode: 0o755 });
  const plugin = join(config, 'cli-plugins', 'docker-compose');
  writeFileSync(plugin, 'compose 2.40.3', { mode: 0o755 });
  const env = { PATH: `${join(root, 'empty')}:${bin}`, DOCKER_CONFIG: config };
  const first = composeIdentity(env, root);
  assert.match(first ?? '', new RegExp(`^${bin}/docker:.*\\|${plugin}:`));
  utimesSync(plugin, 1, 1);
  assert.notEqual(composeIdentity(env, root), first, 'another plugin binary is another identity');
  assert.equal(composeIdentity({ PATH: join(root, 'empty'), DOCKER_CONFIG: config }, root), undefined, 'no docker');
  writeFileSync(join(config, 'config.json'), JSON.stringify({ cliPluginsExtraDirs: ['/opt/plugins'] }));
  assert.equal(composeIdentity(env, root), undefined, 'extra plugin directories: not ours to know');
});

test('programPath: PATH first (an executable file only), then where the system keeps programs off a user PATH', (t) => {
  const root = tempDir(t);
  const [bin, other] = [join(root, 'bin'), join(root, 'other')];
  mkdirSync(bin);
  mkdirSync(other);
  writeFileSync(join(bin, 'dnsmasq'), 'not executable', { mode: 0o644 });
  writeFileSync(join(other, 'dnsmasq'), '#!/bin/sh\n', { mode: 0o755 });
  assert.equal(programPath('dnsmasq', { PATH: `${bin}:${other}` }), join(other, 'dnsmasq'));
  assert.equal(programPath('cilo-no-such-program', { PATH: bin }), 'cilo-no-such-program', 'spawn then says so');
  // Debian keeps dnsmasq in /usr/sbin, which a user's PATH (/usr/local/bin:/usr/bin:/bin) leaves out.
  if (!existsSync('/usr/sbin/dnsmasq')) return t.skip('no /usr/sbin/dnsmasq on this machine');
  assert.equal(programPath('dnsmasq', { PATH: '/usr/local/bin:/usr/bin:/bin' }), '/usr/sbin/dnsmasq');
});
