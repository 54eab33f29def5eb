// `cilo-compose config` shows the model cilo runs, with every `config` flag: before registration a preview
// that leaves CILO_HOME and Docker exactly as they were (addresses left out), after `cilo create` and after
// `up` what Compose is given at `up`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  cilo,
  ciloCompose,
  ciloEnv,
  dockerCompose,
  dockerLines,
  FIXTURES,
  removeDockerObjects,
  requireDocker,
  tempDir,
  uniqueName,
} from '../helpers.ts';

const FLAG_SETS = [
  [],
  ['--format', 'json'],
  ['--services'],
  ['--volumes'],
  ['-q'],
  ['--hash', '*'],
  ['--no-interpolate'],
  ['--profiles'],
  ['--images'],
];

/** Every Docker object, and every file under a directory with its bytes: what a preview must not change. */
function world(home: string): string {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else files.push(`${p} ${readFileSync(p, 'base64')}`);
    }
  };
  if (existsSync(home)) walk(home);
  return JSON.stringify({
    exists: existsSync(home),
    files,
    networks: dockerLines(['network', 'ls', '-q', '--no-trunc']).sort(),
    volumes: dockerLines(['volume', 'ls', '-q']).sort(),
    containers: dockerLines(['ps', '-aq', '--no-trunc']).sort(),
  });
}

/** The output without addresses (JSON compared as data, YAML as lines). */
function noAddresses(s: string): string {
  try {
    return JSON.stringify(JSON.parse(s, (k, v) => (k === 'ipv4_address' ? undefined : v)));
  } catch {
    return s
      .split('\n')
      .filter((l) => !/ipv4_address/.test(l))
      .join('\n');
  }
}

for (const fixture of ['networks', 'pinned', 'webapp']) {
  test(
    `config of ${fixture}: a preview without side effects, then what Compose is given at up, with each flag`,
    { timeout: 180_000 },
    async (t) => {
      if (!requireDocker(t)) return;
      const outside = uniqueName('outside');
      const ce = await ciloEnv(t, { CILO_DNS: 'off', CILO_TEST_EXTERNAL: outside });
      const dir = join(FIXTURES, fixture);
      const name = uniqueName('cfg');
      t.after(() => removeDockerObjects(name));
      const out = join(tempDir(t), 'out.yml');
      // Compose prints the lists of --services, --volumes, --profiles, --images and --hash in map order.
      const listed = (flags: string[], text: string) =>
        (flags.length === 1 && flags[0] !== '-q' && flags[0] !== '--no-interpolate') || flags[0] === '--hash'
          ? text.split('\n').sort().join('\n')
          : text;
      const config = async (flags: string[]) => {
        const r = await ciloCompose(['-p', name, 'config', ...flags], { cwd: dir, env: ce.env });
        assert.equal(r.exitCode, 0, `config ${flags.join(' ')}: ${r.stderr}`);
        return listed(flags, r.stdout);
      };

      const before = world(ce.home);
      const preview = new Map<string, string>();
      for (const flags of FLAG_SETS) preview.set(flags.join(' '), await config(flags));
      await config(['-o', out]);
      assert.equal(readFileSync(out, 'utf8').replace(/\n$/, ''), preview.get(''), '-o writes what it would print');
      assert.equal(world(ce.home), before, 'the preview changed nothing: no state, no network, no file');
      assert.match(preview.get('')!, new RegExp(`name: cilo-${name}`), 'the environment network');
      assert.doesNotMatch(preview.get('')!, /published:|ipv4_address/, 'no published port, no address yet');

      assert.equal((await cilo(['create', name, '--from', dir], { env: ce.env })).exitCode, 0);
      const registered = new Map<string, string>();
      for (const flags of FLAG_SETS) registered.set(flags.join(' '), await config(flags));
      dockerLines(['network', 'create', outside]);
      t.after(() => dockerLines(['network', 'rm', outside]));
      assert.equal((await cilo(['up', name], { env: ce.env })).exitCode, 0);

      const files = readdirSync(dir)
        .filter((f) => /^compose\.ya?ml$/.test(f))
        .map((f) => join(dir, f));
      const override = join(ce.home, 'envs', name, 'override.yml');
      for (const flags of FLAG_SETS) {
        const key = flags.join(' ');
        const given = await dockerCompose(
          [...files.flatMap((f) => ['-f', f]), '-f', override, '-p', name, 'config', ...flags],
          { cwd: dir, env: ce.env },
        );
        assert.equal(given.exitCode, 0, given.stderr);
        const expected = listed(flags, given.stdout);
        assert.equal(await config(flags), expected, `after up, config ${key} is what Compose is given`);
        assert.equal(registered.get(key), expected, `after create, config ${key} was already that`);
        if (!key.includes('hash'))
          assert.equal(
            noAddresses(preview.get(key)!),
            noAddresses(expected),
            `before registration, config ${key} was that without addresses`,
          );
      }
      assert.equal((await cilo(['destroy', name], { env: ce.env })).exitCode, 0);
    },
  );
}
