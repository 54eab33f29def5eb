// lib/docker/api.ts: which socket `docker` would use (the docker CLI's rules), and questions and changes sent
// over it: a real HTTP server on a Unix socket in a temp dir stands for the engine (no Docker needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { ApiError, socketApi, socketOf, SocketError } from '../../lib/docker/api.ts';
import { tempDir } from '../helpers.ts';

test('socketOf: DOCKER_HOST, the default context, a named context; anything but unix:// is not ours', (t) => {
  const home = tempDir(t);
  const config = join(home, '.docker');
  const meta = (name: string, host: string) => {
    const dir = join(config, 'contexts', 'meta', createHash('sha256').update(name).digest('hex'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'meta.json'), JSON.stringify({ Name: name, Endpoints: { docker: { Host: host } } }));
  };
  assert.equal(socketOf({}, home), '/var/run/docker.sock');
  assert.equal(socketOf({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }, home), '/run/user/1000/docker.sock');
  assert.equal(socketOf({ DOCKER_HOST: 'tcp://10.0.0.2:2375' }, home), undefined);
  assert.equal(socketOf({ DOCKER_HOST: 'ssh://ci' }, home), undefined);
  meta('rootless', 'unix:///run/user/1000/docker.sock');
  meta('remote', 'ssh://builder');
  assert.equal(socketOf({ DOCKER_CONTEXT: 'rootless' }, home), '/run/user/1000/docker.sock');
  assert.equal(socketOf({ DOCKER_CONTEXT: 'remote' }, home), undefined);
  assert.equal(socketOf({ DOCKER_CONTEXT: 'unknown' }, home), undefined, 'a context cilo cannot read: the CLI');
  writeFileSync(join(config, 'config.json'), JSON.stringify({ currentContext: 'rootless' }));
  assert.equal(socketOf({}, home), '/run/user/1000/docker.sock', "the CLI's current context");
});

test('info over the socket; a refused socket or no answer in time is a SocketError, an error status an ApiError', async (t) => {
  const dir = tempDir(t);
  const sock = join(dir, 'engine.sock');
  let delay = 0;
  const server = createServer((req, res) => {
    setTimeout(() => {
      if (req.url === '/networks/x') return void res.writeHead(404).end('{"message":"network x not found"}');
      if (req.url !== '/info') return void res.writeHead(500).end('page broken');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ID: 'SOCK:ID' }));
    }, delay);
  });
  await new Promise<void>((r) => server.listen(sock, r));
  t.after(() => server.close());
  const api = socketApi(dir);
  assert.deepEqual(await api.get({ DOCKER_HOST: `unix://${sock}` }, '/info'), { ID: 'SOCK:ID' });
  assert.equal(await api.get({ DOCKER_HOST: 'tcp://h:2375' }, '/info'), undefined);
  await assert.rejects(
    api.get({ DOCKER_HOST: `unix://${sock}` }, '/networks/x'),
    (e) => e instanceof ApiError && e.status === 404 && e.message === '/networks/x answered 404: network x not found',
  );
  await assert.rejects(
    api.get({ DOCKER_HOST: `unix://${sock}` }, '/other'),
    (e) => e instanceof ApiError && e.status === 500 && /page broken/.test(e.message),
  );
  await assert.rejects(
    api.get({ DOCKER_HOST: `unix://${join(dir, 'none.sock')}` }, '/info'),
    (e) =>
      e instanceof SocketError &&
      /^Cannot connect to the Docker daemon at unix:\/\/.*none\.sock \(no such socket: is the docker daemon running\?\)$/.test(
        e.message,
      ),
  );
  delay = 2000;
  await assert.rejects(
    api.get({ DOCKER_HOST: `unix://${sock}` }, '/info', 200),
    (e) => e instanceof SocketError && /no answer within 0\.2 s/.test(e.message),
  );
  delay = 5_500;
  assert.deepEqual(
    await api.get({ DOCKER_HOST: `unix://${sock}` }, '/info'),
    { ID: 'SOCK:ID' },
    "without a timeout a slow engine is waited for (Node's global agent would give up after 5 s)",
  );
});

test('changes over the socket: the JSON body sent, the answer read when it is JSON, 304 is done, Podman’s cause kept', async (t) => {
  const dir = tempDir(t);
  const sock = join(dir, 'engine.sock');
  const seen: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push(`${req.method} ${req.url} ${req.headers['content-type'] ?? '-'} ${body}`);
      if (req.url === '/containers/create?name=r') return void res.writeHead(201).end('{"Id":"abc","Warnings":[]}');
      if (req.url === '/containers/r/start') return void res.writeHead(304).end();
      if (req.url === '/networks/n/connect') return void res.writeHead(200).end('OK');
      if (req.url === '/volumes/v') return void res.writeHead(204).end();
      res
        .writeHead(500)
        .end('{"cause":"network is being used","message":"\\"n\\" has associated containers","response":500}');
    });
  });
  await new Promise<void>((r) => server.listen(sock, r));
  t.after(() => server.close());
  const api = socketApi(dir);
  const env = { DOCKER_HOST: `unix://${sock}` };
  assert.deepEqual(await api.send(env, { method: 'POST', path: '/containers/create?name=r', body: { Image: 'i' } }), {
    Id: 'abc',
    Warnings: [],
  });
  assert.equal(await api.send(env, { method: 'POST', path: '/containers/r/start' }), undefined);
  assert.equal(
    await api.send(env, { method: 'POST', path: '/networks/n/connect', body: { Container: 'c' } }),
    undefined,
  );
  assert.equal(await api.send(env, { method: 'DELETE', path: '/volumes/v' }), undefined);
  await assert.rejects(
    api.send(env, { method: 'DELETE', path: '/networks/n' }),
    (e) =>
      e instanceof ApiError &&
      e.status === 500 &&
      e.podmanCause === 'network is being used' &&
      e.engineMessage === '"n" has associated containers',
  );
  assert.deepEqual(seen, [
    'POST /containers/create?name=r application/json {"Image":"i"}',
    'POST /containers/r/start - ',
    'POST /networks/n/connect application/json {"Container":"c"}',
    'DELETE /volumes/v - ',
    'DELETE /networks/n - ',
  ]);
  await assert.rejects(api.send({ DOCKER_HOST: 'ssh://h' }, { method: 'DELETE', path: '/volumes/v' }), SocketError);
});
