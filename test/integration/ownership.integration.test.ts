// cilo removes only what it created for this CILO_HOME (docs/DESIGN.md §13, "Threat model"), on the real
// engine: a Compose project's own data survives its first `up` through cilo, a failed one and a destroy; one
// home's destroy never touches another home's copy of the same name.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  cilo,
  ciloCompose,
  ciloEnv,
  docker,
  dockerCompose,
  removeDockerObjects,
  requireDocker,
  tempDir,
  uniqueName,
  type RunResult,
} from '../helpers.js';
import { localEnvironments } from '../../lib/state/schema.js';
import { readState } from '../../lib/state/store.js';

/** A project whose service keeps data in the named volume `data`; `image` lets a test mistype it. */
function project(t: TestContext, opts: { xcilo: boolean; image?: string }): string {
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'compose.yaml'),
    [
      ...(opts.xcilo ? ['x-cilo: {}'] : []),
      'services:',
      '  db:',
      `    image: ${opts.image ?? 'cilo-fixture:busybox'}`,
      '    pull_policy: never', // a mistyped image fails here, without asking a registry
      '    init: true',
      '    command: ["sleep", "100000"]',
      '    volumes: ["data:/data"]',
      'volumes:',
      '  data: {}',
      '',
    ].join('\n'),
  );
  return dir;
}

const composeFile = (dir: string) => readFileSync(join(dir, 'compose.yaml'), 'utf8');

const ok = (r: RunResult, what: string) =>
  assert.equal(r.exitCode, 0, `${what} exited ${r.exitCode}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);

/** What volume VOLUME holds at /data/marker, read by a container of its own (none: the volume is gone). */
function marker(volume: string): string | undefined {
  if (!docker(['volume', 'ls', '-q', '--filter', `name=^${volume}$`]).trim()) return undefined;
  return docker(['run', '--rm', '-v', `${volume}:/data`, 'cilo-fixture:busybox', 'cat', '/data/marker']).trim();
}

const write = (project: string, text: string) =>
  docker([
    'exec',
    docker(['ps', '-q', '--filter', `label=com.docker.compose.project=${project}`]).trim(),
    'sh',
    '-c',
    `echo ${text} > /data/marker`,
  ]);

test("an existing Compose project's data survives the first up through cilo, a failed up and destroy", async (t) => {
  if (!requireDocker(t)) return;
  const { env, home } = await ciloEnv(t, { CILO_DNS: 'off' });
  const name = uniqueName('myapp');
  t.after(() => removeDockerObjects(name));
  const dir = project(t, { xcilo: false });
  ok(await dockerCompose(['-p', name, 'up', '-d'], { env, cwd: dir }), 'plain docker compose up -d');
  write(name, 'users-data');

  // x-cilo added: the first up through cilo stops before anything changes, and names what it found.
  writeFileSync(join(dir, 'compose.yaml'), `x-cilo: {}\n${composeFile(dir)}`);
  const refused = await ciloCompose(['-p', name, 'up', '-d'], { env, cwd: dir });
  assert.notEqual(refused.exitCode, 0, 'refused');
  assert.match(refused.stderr, new RegExp(`volume ${name}_data`));
  assert.match(refused.stderr, new RegExp(`container ${name}-db-1`));
  assert.match(refused.stderr, /--adopt/);
  assert.deepEqual(Object.keys(localEnvironments(readState(home))), [], 'nothing registered');
  assert.equal(marker(`${name}_data`), 'users-data');

  ok(await cilo(['create', name, '--from', dir, '--adopt'], { env }), 'cilo create --adopt');
  // A mistyped image: the up fails; the data stays.
  writeFileSync(join(dir, 'compose.yaml'), composeFile(dir).replace('cilo-fixture:busybox', 'cilo-fixture:nope'));
  const failed = await ciloCompose(['-p', name, 'up', '-d'], { env, cwd: dir });
  assert.notEqual(failed.exitCode, 0, 'the mistyped image fails');
  assert.equal(marker(`${name}_data`), 'users-data', 'the data survived the failed up');

  writeFileSync(join(dir, 'compose.yaml'), composeFile(dir).replace('cilo-fixture:nope', 'cilo-fixture:busybox'));
  ok(await ciloCompose(['-p', name, 'up', '-d'], { env, cwd: dir }), 'cilo-compose up -d');
  const id = docker(['ps', '-q', '--filter', `label=com.docker.compose.project=${name}`]).trim();
  assert.equal(docker(['exec', id, 'cat', '/data/marker']).trim(), 'users-data', 'the environment runs on it');
  ok(await cilo(['destroy', name], { env }), 'cilo destroy');
  assert.equal(docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${name}`]).trim(), '');
  assert.equal(marker(`${name}_data`), 'users-data', 'destroy kept the adopted volume');
});

test("a first up that fails removes what it made, and a home's destroy leaves another home's copy", async (t) => {
  if (!requireDocker(t)) return;
  const a = await ciloEnv(t, { CILO_DNS: 'off' });
  const b = await ciloEnv(t, { CILO_DNS: 'off' });
  const [first, later] = [uniqueName('dev'), uniqueName('dev')];
  t.after(() => [first, later].forEach((n) => removeDockerObjects(n)));
  const dir = project(t, { xcilo: true });

  // Home A runs `first` with data; home B cannot register that name.
  ok(await ciloCompose(['-p', first, 'up', '-d'], { env: a.env, cwd: dir }), 'A: up');
  write(first, 'home-a');
  const taken = await cilo(['create', first, '--from', dir], { env: b.env });
  assert.notEqual(taken.exitCode, 0);
  assert.match(taken.stderr, /belongs to another cilo home/);

  // B registers `later` while it is free; A then runs it; B's destroy removes only what B made (nothing).
  ok(await cilo(['create', later, '--from', dir], { env: b.env }), 'B: create');
  ok(await ciloCompose(['-p', later, 'up', '-d'], { env: a.env, cwd: dir }), 'A: up');
  write(later, 'home-a-later');
  ok(await cilo(['destroy', later, '--force'], { env: b.env }), 'B: destroy --force');
  assert.equal(marker(`${later}_data`), 'home-a-later', "A's volume stays");
  assert.notEqual(docker(['ps', '-q', '--filter', `label=com.docker.compose.project=${later}`]).trim(), '');

  // A first up of a fresh name that fails (a mistyped image) removes what it made, and only that.
  const bad = uniqueName('bad');
  t.after(() => removeDockerObjects(bad));
  const badDir = project(t, { xcilo: true, image: 'cilo-fixture:nope' });
  assert.notEqual((await ciloCompose(['-p', bad, 'up', '-d'], { env: a.env, cwd: badDir })).exitCode, 0);
  assert.equal(docker(['volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${bad}`]).trim(), '');
  assert.equal(marker(`${first}_data`), 'home-a');
  for (const n of [first, later]) ok(await cilo(['destroy', n], { env: a.env }), `A: destroy ${n}`);
  assert.equal(marker(`${first}_data`), undefined, "A's destroy removed A's own volume");
});
