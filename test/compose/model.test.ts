// lib/compose/model.ts: --scale options, the service of a `run`, the `scale` arguments, and the service
// model read from the real `docker compose config` (no engine needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { loadServices, runService, scaleArguments, scaleOptions, servicesFromFiles } from '../../lib/compose/model.ts';
import { parseComposeFile } from '../../lib/compose/yaml-file.ts';
import { Docker } from '../../lib/docker/docker.ts';
import { ExitCodeError } from '../../lib/errors/index.ts';
import { requireCompose, tempDir } from '../helpers.ts';

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

test('loadServices reads every service, in every profile, sorted, with networks, replicas and container_name', async (t) => {
  if (!requireCompose(t)) return;
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
  if (!requireCompose(t)) return;
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

// servicesFromFiles is a shortcut for `docker compose config`: where it answers, it must say exactly what
// Compose says; where it cannot be sure (include, extends, merge tags, interpolation in the keys cilo
// reads) it must decline, so Compose is asked.
async function bothWays(t: TestContext, files: Record<string, string>) {
  if (!requireCompose(t)) return undefined;
  const dir = tempDir(t);
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  const names = Object.keys(files).filter((f) => f.endsWith('.yaml'));
  const parsed = await Promise.all(names.map((f) => parseComposeFile(join(dir, f), files[f]!)));
  const sel = { files: names.map((f) => join(dir, f)), envFiles: [], name: 'svcmodel' };
  const fromCompose = await loadServices(new Docker(process.env), sel, dir, () => undefined);
  return { fromFiles: servicesFromFiles(parsed), fromCompose };
}

test('servicesFromFiles equals docker compose config for every fixture project it answers for', async (t) => {
  if (!requireCompose(t)) return;
  const root = join(import.meta.dirname, '..', '..', 'fixtures');
  const projects = ['webapp', 'db', 'frontend', 'tiny', 'passthrough/profiles', 'passthrough/override', 'shared-test/odd-name', 'shared-test/publisher', 'shared-test/dev-suffix'];
  let answered = 0;
  for (const p of projects) {
    const dir = join(root, p);
    const files = readdirSync(dir).filter((f) => /^(compose|docker-compose)(\.override)?\.ya?ml$/.test(f)).sort((a, b) => Number(a.includes('override')) - Number(b.includes('override')));
    const parsed = await Promise.all(files.map((f) => parseComposeFile(join(dir, f), readFileSync(join(dir, f), 'utf8'))));
    const fromFiles = servicesFromFiles(parsed);
    const fromCompose = await loadServices(new Docker(process.env), { files: files.map((f) => join(dir, f)), envFiles: [], name: 'svcmodel' }, dir, () => undefined);
    if (fromFiles) {
      answered++;
      assert.deepEqual(fromFiles, fromCompose, p);
    }
  }
  assert.ok(answered >= 6, `answered for ${answered} projects`);
});

test('servicesFromFiles: merged files, networks as list or map, network_mode, scale, replicas, container_name', async (t) => {
  const both = await bothWays(t, {
    'a.yaml': [
      'services:',
      '  web: { image: x, networks: [front, back], container_name: w }',
      '  db: { image: x, networks: { back: { aliases: [d] } }, deploy: { replicas: 2 } }',
      '  host: { image: x, network_mode: host }',
      '  plain: { image: x, scale: 3 }',
      'networks: { front: {}, back: {} }',
    ].join('\n'),
    'b.yaml': ['services:', '  web: { networks: [extra] }', '  plain: { scale: 1 }', '  new: { image: y }', 'networks: { extra: {} }'].join('\n'),
  });
  if (!both) return;
  const { fromFiles, fromCompose } = both;
  assert.ok(fromFiles, 'answers for plain files');
  const sortNets = (m: typeof fromCompose) => m.map((s) => ({ ...s, networks: [...s.networks].sort() }));
  assert.deepEqual(sortNets(fromFiles!), sortNets(fromCompose));
});

test('servicesFromFiles declines what only Compose knows', async () => {
  const cases: Record<string, string> = {
    include: 'include: [other.yaml]\nservices: { a: { image: x } }\n',
    extends: 'services: { a: { image: x }, b: { extends: a } }\n',
    interpolated: 'services: { a: { image: x, network_mode: "${MODE:-bridge}" } }\n',
    reset: 'services: { a: { image: x, networks: !reset [] } }\n',
  };
  for (const [why, text] of Object.entries(cases)) assert.equal(servicesFromFiles([await parseComposeFile(`/x/${why}.yaml`, text)]), undefined, why);
});

test('runService: the first argument that is not an option or an option\'s value', () => {
  assert.equal(runService(['app']), 'app');
  assert.equal(runService(['--rm', 'app', 'sh', '-c', 'x']), 'app');
  assert.equal(runService(['-e', 'A=1', '--env', 'B=2', '-l', 'k=v', '--name', 'db', 'app', 'db']), 'app', 'values of options are skipped');
  assert.equal(runService(['-w', '/srv', '-u', 'root', '-v', '/a:/b', '-p', '80:80', '--entrypoint', 'sh', 'app']), 'app');
  assert.equal(runService(['--cap-add', 'NET_ADMIN', '--cap-drop', 'ALL', '--pull', 'never', '--env-from-file', 'f', 'app']), 'app');
  assert.equal(runService(['--name=x', '-eA=1', '--workdir=/w', '-dT', '--no-deps', '--service-ports', '--use-aliases', 'app']), 'app', 'inline values and boolean clusters');
  assert.equal(runService(['--', 'app', 'cmd']), 'app');
  assert.equal(runService(['--rm']), undefined);
  assert.equal(runService([]), undefined);
});

test('scaleArguments: SERVICE=REPLICAS positionals; options and malformed ones are ignored', () => {
  assert.deepEqual(scaleArguments(['web=2']), { web: 2 });
  assert.deepEqual(scaleArguments(['--no-deps', 'web=2', 'db=0', 'web=3']), { web: 3, db: 0 });
  assert.deepEqual(scaleArguments(['--dry-run', 'web', 'web=x', '=2', '--scale=web=4', '-x=1']), {});
});
