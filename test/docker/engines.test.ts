// lib/docker/engines.ts: which engine `docker` would use, by the same rules as the docker CLI, and how cilo
// points every later call at an engine whatever the environment says then.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  currentContext,
  describeEndpoint,
  engineFrom,
  envFor,
  endpointMachine,
  portsHere,
  sshTarget,
} from '../../lib/docker/engines.ts';
import { tempDir } from '../helpers.ts';

test('engineFrom: local with nothing set; DOCKER_HOST by its value; a context by its name; --context first', () => {
  const none = () => undefined;
  const rows: [NodeJS.ProcessEnv, string | undefined, () => string | undefined, string, object][] = [
    [{}, undefined, none, 'local', { context: 'default' }],
    [{ DOCKER_HOST: 'tcp://box:2375' }, undefined, none, 'tcp://box:2375', { docker_host: 'tcp://box:2375' }],
    [{ DOCKER_HOST: 'unix:///var/run/docker.sock' }, undefined, none, 'local', { context: 'default' }],
    [{ DOCKER_CONTEXT: 'build' }, undefined, none, 'build', { context: 'build' }],
    [{ DOCKER_CONTEXT: 'default' }, undefined, none, 'local', { context: 'default' }],
    // The configured current context is what plain `docker` uses: that is the local engine.
    [{}, undefined, () => 'desktop-linux', 'local', { context: 'desktop-linux' }],
    [{ DOCKER_CONTEXT: 'default' }, undefined, () => 'desktop-linux', 'default', { context: 'default' }],
    [{ DOCKER_HOST: 'tcp://box:2375' }, 'build', none, 'build', { context: 'build' }],
    [
      { DOCKER_HOST: 'tcp://box:2375', DOCKER_CONTEXT: 'build' },
      undefined,
      none,
      'tcp://box:2375',
      { docker_host: 'tcp://box:2375' },
    ],
  ];
  for (const [env, flag, current, name, endpoint] of rows)
    assert.deepEqual(
      engineFrom(env, flag, current),
      { name, endpoint },
      JSON.stringify({ env, flag, current: current() }),
    );
});

test('envFor: exactly one of DOCKER_HOST and DOCKER_CONTEXT, the rest of the environment kept', () => {
  const env = { PATH: '/bin', DOCKER_HOST: 'tcp://other:2375', DOCKER_CONTEXT: 'other' };
  assert.deepEqual(envFor(env, { docker_host: 'unix:///run/e2.sock' }), {
    PATH: '/bin',
    DOCKER_HOST: 'unix:///run/e2.sock',
  });
  assert.deepEqual(envFor(env, { context: 'build' }), { PATH: '/bin', DOCKER_CONTEXT: 'build' });
  assert.deepEqual(envFor(env, {}), { PATH: '/bin', DOCKER_CONTEXT: 'default' });
  assert.equal(describeEndpoint({ docker_host: 'tcp://b:1' }), 'DOCKER_HOST=tcp://b:1');
  assert.equal(describeEndpoint({ context: 'build' }), 'context build');
});

test("currentContext: the docker CLI's config.json, in DOCKER_CONFIG or ~/.docker; none when unreadable", (t) => {
  const home = tempDir(t);
  assert.equal(currentContext({}, home), undefined);
  mkdirSync(join(home, '.docker'));
  writeFileSync(join(home, '.docker', 'config.json'), JSON.stringify({ currentContext: 'desktop-linux' }));
  assert.equal(currentContext({}, home), 'desktop-linux');
  const config = tempDir(t);
  writeFileSync(join(config, 'config.json'), '{ not json');
  assert.equal(currentContext({ DOCKER_CONFIG: config }, home), undefined);
  writeFileSync(join(config, 'config.json'), JSON.stringify({ auths: {} }));
  assert.equal(currentContext({ DOCKER_CONFIG: config }, home), undefined);
});

test('sshTarget: ssh:// URLs as ssh is given them; other schemes and option-like destinations are not', () => {
  assert.deepEqual(sshTarget('ssh://me@box'), { destination: 'me@box' });
  assert.deepEqual(sshTarget('ssh://box:2222'), { destination: 'box', port: 2222 });
  assert.deepEqual(sshTarget('ssh://root@cilo-remote/'), { destination: 'root@cilo-remote' });
  for (const url of ['tcp://box:2376', 'unix:///var/run/docker.sock', 'ssh://-oProxyCommand=x', 'ssh://a b', undefined])
    assert.equal(sshTarget(url), undefined, String(url));
});

test('endpointMachine and portsHere: where an engine publishes its ports', () => {
  assert.equal(endpointMachine('tcp://10.98.0.2:2375'), '10.98.0.2');
  assert.equal(endpointMachine('ssh://me@box:22'), 'box');
  assert.equal(endpointMachine('tcp://[fd00::2]:2375'), '[fd00::2]');
  assert.equal(endpointMachine('unix:///run/docker.sock'), undefined);
  assert.deepEqual(['unix:///run/user/1000/docker.sock', 'ssh://box', 'tcp://box:2375', undefined].map(portsHere), [
    true,
    true,
    false,
    false,
  ]);
});
