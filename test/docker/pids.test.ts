// lib/docker/pids.ts: which account holds a port, read from /proc/net as any account may.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { portHolder } from '../../lib/docker/pids.ts';

const me = () => `${userInfo().username} (uid ${userInfo().uid})`;

test('portHolder: the account of a UDP socket and of a TCP listener on the port; none once they close', async (t) => {
  if (process.platform !== 'linux') return t.skip('reads /proc/net');
  const udp = createSocket('udp4');
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
  const udpPort = udp.address().port;
  assert.equal(portHolder(udpPort, 'udp'), me());
  udp.close();
  assert.equal(portHolder(udpPort, 'udp'), undefined);

  const server = createServer();
  await new Promise<void>((r) => server.listen({ port: 0, host: '127.0.0.1' }, r));
  const tcpPort = (server.address() as { port: number }).port;
  assert.equal(portHolder(tcpPort, 'tcp'), me());
  assert.equal(portHolder(tcpPort, 'udp'), undefined, 'another protocol');
  await new Promise((r) => server.close(r));
  assert.equal(portHolder(tcpPort, 'tcp'), undefined);
});
