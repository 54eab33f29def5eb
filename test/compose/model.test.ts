// lib/compose/model.ts: --scale options, the selector arguments, and the service model read from the real
// `docker compose config` (no engine needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { loadServices, scaleOptions, selectorArgs } from '../../lib/compose/model.ts';
import { Docker } from '../../lib/docker/docker.ts';
import { ExitCodeError } from '../../lib/errors/index.ts';
import { tempDir } from '../helpers.ts';

test('scaleOptions: --scale svc=N and --scale=svc=N; the last one per service wins', () => {
  assert.deepEqual(scaleOptions([]), {});
  assert.deepEqual(scaleOptions(['-d', '--scale', 'web=3']), { web: 3 });
  assert.deepEqual(scaleOptions(['--scale=worker=2', '--build']), { worker: 2 });
  assert.deepEqual(scaleOptions(['--scale', 'web=3', '--scale=db=1', '--scale', 'web=5']), { web: 5, db: 1 });
  assert.deepEqual(scaleOptions(['--scale', 'web=0']), { web: 0 });
});

test('scaleOptions ignores malformed values and everything after --', () => {
  assert.deepEqual(scaleOptions(['--scale', 'web']), {});
  assert.deepEqual(scaleOptions(['--scale', 'web=x']), {});
  assert.deepEqual(scaleOptions(['--scale', '=3']), {});
  assert.deepEqual(scaleOptions(['--scale', 'web=-1']), {});
  assert.deepEqual(scaleOptions(['--scale']), {}, 'a trailing --scale without a value');
  assert.deepEqual(scaleOptions(['--', '--scale', 'web=3']), {});
  assert.deepEqual(scaleOptions(['--scale', 'web=2', '--', '--scale=web=9']), { web: 2 });
  assert.deepEqual(scaleOptions(['--scaled', 'web=3', 'web=4']), {}, 'a positional web=4 is not a scale option');
});

test('selectorArgs: project directory, env files, files (then extras), -p last', () => {
  assert.deepEqual(selectorArgs({ files: ['/p/a.yml', '/p/b.yml'], projectDirectory: '/p', envFiles: ['/p/x.env'], name: 'dev' }, ['/h/override.yml']), [
    '--project-directory',
    '/p',
    '--env-file',
    '/p/x.env',
    '-f',
    '/p/a.yml',
    '-f',
    '/p/b.yml',
    '-f',
    '/h/override.yml',
    '-p',
    'dev',
  ]);
  assert.deepEqual(selectorArgs({ files: [], envFiles: [], name: 'x' }), ['-p', 'x']);
});

function needCompose(t: TestContext): boolean {
  try {
    execFileSync('docker', ['compose', 'version'], { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    t.skip('docker compose is not installed');
    return false;
  }
}

test('loadServices reads every service, in every profile, sorted, with networks, replicas and container_name', async (t) => {
  if (!needCompose(t)) return;
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'compose.yaml'),
    [
      'services:',
      '  web:',
      '    image: busybox',
      '    ports: ["8080:80"]',
      '  api:',
      '    image: busybox',
      '    networks: [front, back]',
      '    container_name: my-api',
      '  worker:',
      '    image: busybox',
      '    deploy: {replicas: 3}',
      '  hostnet:',
      '    image: busybox',
      '    network_mode: host',
      '  debug:',
      '    image: busybox',
      '    profiles: [debug]',
      'networks:',
      '  front: {}',
      '  back: {}',
      '',
    ].join('\n'),
  );
  const env = { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/root' };
  const stderr: string[] = [];
  const services = await loadServices(new Docker(env), { files: [join(dir, 'compose.yaml')], envFiles: [], name: 'modeltest' }, dir, (s) => stderr.push(s));
  assert.deepEqual(
    services.map((s) => s.name),
    ['api', 'debug', 'hostnet', 'web', 'worker'],
    'sorted, and the profiled service is included',
  );
  const by = Object.fromEntries(services.map((s) => [s.name, s]));
  assert.deepEqual(by.web, { name: 'web', networkMode: undefined, networks: ['default'], replicas: 1, hasContainerName: false });
  assert.deepEqual(by.api!.networks.sort(), ['back', 'front']);
  assert.equal(by.api!.hasContainerName, true);
  assert.equal(by.worker!.replicas, 3);
  assert.equal(by.hostnet!.networkMode, 'host');
  assert.deepEqual(stderr, []);
});

test("loadServices: Compose's own error is shown as is and its exit code propagated", async (t) => {
  if (!needCompose(t)) return;
  const dir = tempDir(t);
  writeFileSync(join(dir, 'compose.yaml'), 'services:\n  web:\n    image: busybox\n    bogus_key: 1\n');
  const env = { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/root' };
  const stderr: string[] = [];
  await assert.rejects(
    loadServices(new Docker(env), { files: [join(dir, 'compose.yaml')], envFiles: [], name: 'modeltest' }, dir, (s) => stderr.push(s)),
    (e: unknown) => e instanceof ExitCodeError && e.exitCode !== 0,
  );
  assert.match(stderr.join(''), /bogus_key/);
});
