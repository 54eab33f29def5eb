// lib/compose/project-files.ts: a shortcut for `docker compose config`. Where it answers, it must say
// exactly what Compose says; where it cannot be sure (include, extends, merge tags, interpolation in the
// keys cilo reads) it must decline, so Compose is asked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { loadProject } from '../../lib/compose/model.ts';
import { projectFromFiles } from '../../lib/compose/project-files.ts';
import { parseComposeFile } from '../../lib/compose/yaml-file.ts';
import { Docker } from '../../lib/docker/docker.ts';
import { requireCompose, tempDir } from '../helpers.ts';

const NAME = 'svcmodel';

async function bothWays(t: TestContext, files: Record<string, string>) {
  if (!requireCompose(t)) return undefined;
  const dir = tempDir(t);
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  const names = Object.keys(files).filter((f) => f.endsWith('.yaml'));
  const parsed = await Promise.all(names.map((f) => parseComposeFile(join(dir, f), files[f]!)));
  const sel = { files: names.map((f) => join(dir, f)), envFiles: [], name: NAME };
  const fromCompose = await loadProject(new Docker(process.env), sel, dir, () => undefined);
  return { fromFiles: projectFromFiles(parsed, NAME), fromCompose };
}

const sortNets = (m: NonNullable<ReturnType<typeof projectFromFiles>>) => ({
  ...m,
  services: m.services.map((s) => ({ ...s, networks: [...s.networks].sort() })),
});

test('projectFromFiles equals docker compose config for every fixture project it answers for', async (t) => {
  if (!requireCompose(t)) return;
  const root = join(import.meta.dirname, '..', '..', 'fixtures');
  const projects = [
    'webapp',
    'db',
    'frontend',
    'tiny',
    'networks',
    'pinned',
    'passthrough/profiles',
    'passthrough/override',
    'shared-test/odd-name',
    'shared-test/publisher',
    'shared-test/dev-suffix',
  ];
  let answered = 0;
  for (const p of projects) {
    const dir = join(root, p);
    const files = readdirSync(dir)
      .filter((f) => /^(compose|docker-compose)(\.override)?\.ya?ml$/.test(f))
      .sort((a, b) => Number(a.includes('override')) - Number(b.includes('override')));
    const parsed = await Promise.all(
      files.map((f) => parseComposeFile(join(dir, f), readFileSync(join(dir, f), 'utf8'))),
    );
    const fromFiles = projectFromFiles(parsed, NAME);
    const fromCompose = await loadProject(
      new Docker(process.env),
      { files: files.map((f) => join(dir, f)), envFiles: [], name: NAME },
      dir,
      () => undefined,
    );
    if (fromFiles) {
      answered++;
      assert.deepEqual(sortNets(fromFiles), sortNets(fromCompose), p);
    }
  }
  assert.ok(answered >= 7, `answered for ${answered} projects`);
});

test('merged files: networks as list or map, network_mode, scale, replicas, container_name, top-level networks and volumes', async (t) => {
  const both = await bothWays(t, {
    'a.yaml': [
      'services:',
      '  web: { image: x, networks: [front, back], container_name: w }',
      '  db: { image: x, networks: { back: { aliases: [d], ipv4_address: 172.28.0.5 } }, deploy: { replicas: 2 }, volumes: [data:/d] }',
      '  host: { image: x, network_mode: host }',
      '  plain: { image: x, scale: 3 }',
      '  files: { image: x, volumes: ["./src:/src", "/abs:/abs", "/anon", "ext:/e:ro", { type: volume, source: long, target: /l }, { type: bind, source: ./b, target: /b }] }',
      'networks: { front: {}, back: { ipam: { config: [{ subnet: 172.28.0.0/16 }] } } }',
      'volumes: { data: { name: pgdata }, ext: { external: true }, long: {}, unused: {} }',
    ].join('\n'),
    'b.yaml': [
      'services:',
      '  web: { networks: [extra] }',
      '  plain: { scale: 1 }',
      '  new: { image: y }',
      'networks: { extra: { name: pinned, internal: true, driver_opts: { mtu: 1400 } }, back: { labels: [a=b] } }',
    ].join('\n'),
  });
  if (!both) return;
  const { fromFiles, fromCompose } = both;
  assert.ok(fromFiles, 'answers for plain files');
  assert.deepEqual(sortNets(fromFiles), sortNets(fromCompose));
  assert.equal(fromFiles.networks.find((n) => n.key === 'extra')!.name, 'pinned');
  assert.deepEqual(
    fromFiles.volumes.map((v) => [v.key, v.external, v.name]),
    [
      ['data', false, 'pgdata'],
      ['ext', true, 'ext'],
      ['long', false, undefined],
    ],
    'an unused volume is not part of it',
  );
});

test('projectFromFiles declines what only Compose knows', async () => {
  const cases: Record<string, string> = {
    include: 'include: [other.yaml]\nservices: { a: { image: x } }\n',
    extends: 'services: { a: { image: x }, b: { extends: a } }\n',
    interpolated: 'services: { a: { image: x, network_mode: "${MODE:-bridge}" } }\n',
    reset: 'services: { a: { image: x, networks: !reset [] } }\n',
    'interpolated network': 'services: { a: { image: x } }\nnetworks: { n: { name: "${NET}" } }\n',
    'interpolated volume': 'services: { a: { image: x } }\nvolumes: { v: { name: "$V" } }\n',
  };
  for (const [why, text] of Object.entries(cases))
    assert.equal(projectFromFiles([await parseComposeFile(`/x/${why}.yaml`, text)], 'x'), undefined, why);
});
