// lib/network/host-ports.ts: a port is free unless something holds it; one this user may not bind is free.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { portFree } from '../../lib/network/host-ports.ts';
import { ROOT } from '../helpers.ts';

test('a port held by a listener is taken; once closed it is free', async () => {
  const server = createServer();
  await new Promise<void>((r) => server.listen({ port: 0, host: '127.0.0.1' }, r));
  const { port } = server.address() as { port: number };
  assert.equal(await portFree('127.0.0.1', port, 'tcp'), false);
  await new Promise((r) => server.close(r));
  assert.equal(await portFree('127.0.0.1', port, 'tcp'), true);
});

test('as an ordinary user, a free port below 1024 (EACCES to bind) is free: a rootful engine binds it', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root to run the probe as user nobody');
  const port = 1023;
  if (!(await portFree('127.0.0.1', port, 'tcp'))) return t.skip(`port ${port} is in use here`);
  const script = `import { portFree } from './lib/network/host-ports.ts'; console.log(await portFree('127.0.0.1', ${port}, 'tcp'), await portFree('127.0.0.1', ${port}, 'udp'))`;
  const r = spawnSync(
    'setpriv',
    [
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      process.execPath,
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      script,
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (r.error) return t.skip('setpriv is not available');
  assert.equal(r.stdout.trim(), 'true true', r.stderr);
});
