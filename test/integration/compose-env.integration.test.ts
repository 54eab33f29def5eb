// Compose's own variables (the COMPOSE_* variables Compose 2.26 documents) are honoured by the managed
// command cilo-compose builds, each checked by what the real Compose then does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  cilo,
  ciloCompose,
  ciloEnv,
  docker,
  dockerCompose,
  dockerLines,
  FIXTURES,
  removeDockerObjects,
  requireDocker,
  uniqueName,
  type CiloEnv,
} from '../helpers.ts';

const DIR = join(FIXTURES, 'compose-env');

const services = (name: string) =>
  dockerLines([
    'ps',
    '--filter',
    `label=com.docker.compose.project=${name}`,
    '--format',
    '{{.Label "com.docker.compose.service"}}',
  ]).sort();
const greeting = (name: string) =>
  docker(['inspect', '-f', '{{range .Config.Env}}{{println .}}{{end}}', `${name}-app-1`])
    .split('\n')
    .find((l) => l.startsWith('GREETING='));

async function up(ce: CiloEnv, name: string, env: NodeJS.ProcessEnv = {}, args: string[] = []) {
  const r = await ciloCompose([...args, '-p', name, 'up', '-d'], { cwd: DIR, env: { ...ce.env, ...env } });
  assert.equal(r.exitCode, 0, r.stderr);
  return r;
}

test('COMPOSE_* variables reach Compose through cilo-compose', { timeout: 240_000 }, async (t) => {
  if (!requireDocker(t)) return;
  const ce = await ciloEnv(t, { CILO_DNS: 'off' });
  const names = Array.from({ length: 4 }, () => uniqueName('cenv'));
  t.after(() => names.forEach((n) => removeDockerObjects(n)));
  const [a, b, c, d] = names as [string, string, string, string];

  await t.test('COMPOSE_PROFILES starts the services of a profile; the .env is read by default', async () => {
    await up(ce, a, { COMPOSE_PROFILES: 'debug' });
    assert.deepEqual(services(a), ['app', 'debug', 'extra']);
    assert.equal(greeting(a), 'GREETING=from-dotenv');
  });

  await t.test('COMPOSE_ENV_FILES replaces the .env; COMPOSE_DISABLE_ENV_FILE ignores it', async () => {
    await up(ce, b, { COMPOSE_ENV_FILES: 'other.env' });
    assert.equal(greeting(b), 'GREETING=from-other');
    await up(ce, c, { COMPOSE_DISABLE_ENV_FILE: '1' });
    assert.equal(greeting(c), 'GREETING=unset');
  });

  await t.test('COMPOSE_IGNORE_ORPHANS and COMPOSE_REMOVE_ORPHANS, with a file that drops a service', async () => {
    await up(ce, d);
    const warned = await up(ce, d, {}, ['-f', 'smaller.yaml']);
    assert.match(warned.stderr, /orphan containers/i, 'by default Compose warns about the orphan');
    const quiet = await up(ce, d, { COMPOSE_IGNORE_ORPHANS: '1' }, ['-f', 'smaller.yaml']);
    assert.doesNotMatch(quiet.stderr, /orphan containers/i);
    assert.ok(services(d).includes('extra'), 'the orphan still runs');
    await up(ce, d, { COMPOSE_REMOVE_ORPHANS: '1' }, ['-f', 'smaller.yaml']);
    assert.deepEqual(services(d), ['app'], 'the orphan is removed');
  });

  await t.test('COMPOSE_ANSI, COMPOSE_PROGRESS, COMPOSE_PARALLEL_LIMIT', async (t) => {
    // NO_COLOR (which the test homes set) would win over COMPOSE_ANSI in Compose: left out here.
    const { NO_COLOR: _, ...colourable } = ce.env;
    const logs = (ansi: string) =>
      ciloCompose(['-p', a, 'logs', 'app'], { cwd: DIR, env: { ...colourable, COMPOSE_ANSI: ansi } });
    // (Compose writes an erase-line code either way: only colours tell.)
    assert.match(
      (await logs('always')).stdout,
      /\x1b\[3\d+m.*hello/,
      'COMPOSE_ANSI=always colours the log prefixes even without a terminal',
    );
    assert.doesNotMatch((await logs('never')).stdout, /\x1b\[3\d+m/);
    const restart = (env: NodeJS.ProcessEnv) =>
      ciloCompose(['-p', a, 'restart'], { cwd: DIR, env: { ...ce.env, ...env } });
    // COMPOSE_PROGRESS is documented now, but Compose 2.26 does not read it (newer ones do): the same as Compose,
    // whichever version runs here, is what counts (the plain project: the same files, Compose alone).
    const plainName = `${a}plain`;
    t.after(() => removeDockerObjects(plainName));
    assert.equal((await dockerCompose(['-p', plainName, 'up', '-d'], { cwd: DIR, env: ce.env })).exitCode, 0);
    for (const progress of ['quiet', 'plain']) {
      const ours = await restart({ COMPOSE_PROGRESS: progress });
      const theirs = await dockerCompose(['-p', plainName, 'restart'], {
        cwd: DIR,
        env: { ...ce.env, COMPOSE_PROGRESS: progress },
      });
      assert.equal(ours.exitCode, 0, ours.stderr);
      const lines = (s: string) => s.split('\n').filter(Boolean).length;
      assert.equal(lines(ours.stderr), lines(theirs.stderr), `COMPOSE_PROGRESS=${progress}: as Compose prints`);
    }
    await dockerCompose(['-p', plainName, 'down'], { cwd: DIR, env: ce.env });
    assert.equal((await restart({ COMPOSE_PARALLEL_LIMIT: '1' })).exitCode, 0);
    const bad = await restart({ COMPOSE_PARALLEL_LIMIT: 'many' });
    assert.notEqual(bad.exitCode, 0);
    assert.match(bad.stderr, /COMPOSE_PARALLEL_LIMIT must be an integer/, 'Compose itself reads it');
  });

  for (const n of names) assert.equal((await cilo(['destroy', n], { env: ce.env })).exitCode, 0);
});
