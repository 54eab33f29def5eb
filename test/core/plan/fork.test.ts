// lib/core/plan/fork.ts: what a fork copies (the project's named volumes, renamed for the fork),
// what it cannot (bind mounts, volumes the project does not own, anonymous ones), and the user's choice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseUncopied, uncopiedMounts, volumeCopies } from '../../../lib/core/plan/fork.ts';
import type { ContainerMounts, VolumeInfo } from '../../../lib/docker/volumes.ts';
import { UserError } from '../../../lib/errors/index.ts';

const anonymous = 'a'.repeat(64);
const container = (service: string, mounts: ContainerMounts['mounts']): ContainerMounts => ({
  id: `id-${service}`,
  service,
  image: 'img',
  running: true,
  paused: false,
  mounts,
});
const containers = [
  container('db', [
    { type: 'volume', name: 'src_data', source: '/var/lib/docker/volumes/src_data/_data', target: '/data' },
    { type: 'bind', source: '/home/me/seed', target: '/seed' },
    { type: 'volume', name: 'company-certs', source: '/x', target: '/certs' },
    { type: 'volume', name: anonymous, source: '/y', target: '/tmpdata' },
    { type: 'tmpfs', source: '', target: '/run' },
  ]),
  // A second replica mounts the same: listed once.
  container('db', [{ type: 'bind', source: '/home/me/seed', target: '/seed' }]),
];

test('uncopied: bind mounts, volumes the project does not own, anonymous ones; once per service and target', () => {
  assert.deepEqual(uncopiedMounts(containers, new Set(['src_data'])), [
    { service: 'db', target: '/certs', kind: 'external', source: 'company-certs' },
    { service: 'db', target: '/seed', kind: 'bind', source: '/home/me/seed' },
    { service: 'db', target: '/tmpdata', kind: 'anonymous', source: anonymous },
  ]);
});

test('without a choice a bind or external mount refuses the fork, naming each; anonymous ones need none', () => {
  const mounts = uncopiedMounts(containers, new Set(['src_data']));
  assert.throws(
    () => chooseUncopied('shop/src', mounts, undefined),
    (e: unknown) =>
      e instanceof UserError &&
      /db:\/certs \(external company-certs\), db:\/seed \(bind \/home\/me\/seed\)/.test(e.message) &&
      /--uncopied share/.test(e.hint ?? ''),
  );
  const onlyAnonymous = mounts.filter((m) => m.kind === 'anonymous');
  assert.deepEqual(chooseUncopied('shop/src', onlyAnonymous, undefined).emptyMounts, []);
});

test('share keeps the sources; skip gives each an empty volume, recorded for the override', () => {
  const mounts = uncopiedMounts(containers, new Set(['src_data']));
  const shared = chooseUncopied('shop/src', mounts, 'share');
  assert.deepEqual(
    shared.uncopied.map((m) => m.fork_uses),
    ['shared', 'shared', 'new'],
  );
  assert.deepEqual(shared.emptyMounts, []);
  const skipped = chooseUncopied('shop/src', mounts, 'skip');
  assert.deepEqual(
    skipped.uncopied.map((m) => m.fork_uses),
    ['empty', 'empty', 'new'],
  );
  assert.deepEqual(skipped.emptyMounts, [
    { service: 'db', target: '/certs' },
    { service: 'db', target: '/seed' },
  ]);
});

test("each volume becomes the fork's: its name in the fork (a pinned one renamed), its project and home labels, the rest kept", () => {
  const vol = (name: string, key: string): VolumeInfo => ({
    name,
    driver: 'local',
    options: { type: 'tmpfs' },
    labels: { 'com.docker.compose.project': 'src', 'com.docker.compose.volume': key, other: 'x' },
  });
  const copies = volumeCopies(
    [vol('src_data', 'data'), vol('src_pinned', 'pinned'), { ...vol('odd', ''), labels: {} }],
    {
      name: 'fork',
      volumes: { pinned: { name: 'fork_pinned', pinned: 'pinned' } },
    },
    'home-1',
  );
  assert.deepEqual(
    copies.map((c) => [c.key, c.from.name, c.to.name, c.to.labels['com.docker.compose.project'], c.to.options]),
    [
      ['data', 'src_data', 'fork_data', 'fork', { type: 'tmpfs' }],
      ['pinned', 'src_pinned', 'fork_pinned', 'fork', { type: 'tmpfs' }],
    ],
  );
  assert.equal(copies[0]!.to.labels.other, 'x');
  // Whose it is: the fork's, made by this home (destroy removes it by these).
  assert.equal(copies[0]!.to.labels['cilo.home'], 'home-1');
  assert.equal(copies[0]!.to.labels['cilo.env'], 'fork');
});
