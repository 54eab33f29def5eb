// scripts/apt-source.sh: packages come only from the archive the machine's own apt sources name; with none,
// the scripts stop with a clear error (no archive host is assumed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDir } from '../helpers.ts';

const uri = (etc: string) =>
  spawnSync('bash', ['-c', `. '${join(ROOT, 'scripts', 'apt-source.sh')}'; require_debian_archive_uri`], {
    env: { PATH: process.env.PATH, CILO_APT_ETC: etc },
    encoding: 'utf8',
  });

test('the deb822 source first (its security archive skipped), else a one-line deb entry', (t) => {
  const etc = tempDir(t);
  mkdirSync(join(etc, 'sources.list.d'));
  writeFileSync(
    join(etc, 'sources.list'),
    '# comment\ndeb-src http://src.invalid/debian bookworm main\ndeb [arch=amd64] http://one.invalid/debian bookworm main\n',
  );
  assert.equal(uri(etc).stdout, 'http://one.invalid/debian\n');
  writeFileSync(
    join(etc, 'sources.list.d', 'debian.sources'),
    'Types: deb\nURIs: http://security.invalid/debian-security\nSuites: bookworm-security\n\nTypes: deb\nURIs: http://main.invalid/debian\n',
  );
  assert.equal(uri(etc).stdout, 'http://main.invalid/debian\n');
});

test('no source: a clear error and a non-zero exit', (t) => {
  const r = uri(tempDir(t));
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /error: no apt source of this machine names a Debian archive/);
  assert.match(r.stderr, /hint: add your Debian mirror as an apt source/);
});
