// lib/shim/handover.ts: what the shell front hands the shim, read back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fstatSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnviron, rawArguments, takeHandover } from '../../lib/shim/handover.ts';
import { tempDir } from '../helpers.ts';

test('parseEnviron: NUL-separated NAME=value entries, values with = and newlines kept', () => {
  assert.deepEqual(parseEnviron('A=1\0B.C=x=y\0NL=a\nb\0\0'), { A: '1', 'B.C': 'x=y', NL: 'a\nb' });
});

test('takeHandover: NODE_EXTRA_CA_CERTS back, the markers gone, signals and descriptors read', () => {
  const h = takeHandover({
    PATH: '/bin',
    __CILO_NODE_EXTRA_CA_CERTS: '/etc/ca.pem',
    __CILO_SIGIGN: '0000000000000001',
    __CILO_FDS: '3 7 x 1',
  });
  assert.deepEqual(h, { env: { PATH: '/bin', NODE_EXTRA_CA_CERTS: '/etc/ca.pem' }, ignoredSignals: [1], fds: [3, 7] });
  assert.deepEqual(
    takeHandover({ PATH: '/bin' }),
    { env: { PATH: '/bin' }, ignoredSignals: [], fds: [] },
    'no front: the environment as it is',
  );
});

test('takeHandover: the environment from the descriptor the front gave, which is closed', (t) => {
  const file = join(tempDir(t), 'environ');
  writeFileSync(file, 'A.B=1\0PATH=/bin\0NODE_EXTRA_CA_CERTS=/ca\0');
  const fd = openSync(file, 'r');
  const h = takeHandover({
    PATH: '/other',
    PWD: '/dash/set/it',
    __CILO_ENVIRON_FD: String(fd),
    __CILO_NODE_EXTRA_CA_CERTS: '/ca',
  });
  assert.deepEqual(h.env, { 'A.B': '1', PATH: '/bin', NODE_EXTRA_CA_CERTS: '/ca' });
  assert.throws(() => fstatSync(fd), /EBADF/, 'closed');
});

test('rawArguments: the bytes of the command line where Node decoded them otherwise, else the strings', () => {
  const cmdline = (...parts: Buffer[]) => Buffer.concat(parts.flatMap((p) => [p, Buffer.from([0])]));
  const node = [Buffer.from('node'), Buffer.from('--'), Buffer.from('/x/cilo-compose.cjs')];
  assert.deepEqual(rawArguments(['up', 'ünï'], cmdline(...node, Buffer.from('up'), Buffer.from('ünï'))), ['up', 'ünï']);
  const bad = Buffer.from([0x61, 0xff]);
  const raw = rawArguments(['up', 'a\ufffd'], cmdline(...node, Buffer.from('up'), bad));
  assert.deepEqual(raw, [Buffer.from('up'), bad]);
  assert.deepEqual(rawArguments(['up'], undefined), ['up'], 'no /proc');
});
