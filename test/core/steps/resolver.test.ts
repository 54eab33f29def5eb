// lib/core/steps/resolver.ts: how doctor and `dns setup` say that the host resolver sends names to another port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { userInfo } from 'node:os';
import { resolverDriftText } from '../../../lib/core/steps/resolver.ts';

test('the drift names the port, who holds it (a UDP socket of this account here), and our port', async () => {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  try {
    const port = socket.address().port;
    const { username, uid } = userInfo();
    assert.equal(
      resolverDriftText({ path: '/etc/resolver/test', port }, 5398),
      `/etc/resolver/test sends names to 127.0.0.1:${port} (held by ${username} (uid ${uid})), not to this account's DNS server at 127.0.0.1:5398`,
    );
  } finally {
    socket.close();
  }
  assert.equal(
    resolverDriftText({ path: '/etc/resolver/test', port: undefined }, 5398),
    "/etc/resolver/test sends names to another DNS server, not to this account's DNS server at 127.0.0.1:5398",
  );
});
