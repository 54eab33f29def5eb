// The engine client's changes on a real engine (lib/docker/docker.ts, writes.ts), through both transports: the
// engine's API on its socket and the docker CLI (a remote engine's only way). Each refusal cilo acts on must
// come out as the same kind from either, on every engine of the matrix (scripts/test-matrix.sh).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { socketApi } from '../../lib/docker/api.ts';
import { Docker } from '../../lib/docker/docker.ts';
import { EngineRefusedError, type Refusal } from '../../lib/docker/writes.ts';
import { dockerLines, freePort, requireDocker, uniqueName } from '../helpers.ts';

const IMAGE = process.env.CILO_FIXTURE_IMAGE ?? 'cilo-fixture:busybox';
const refused = (kind: Refusal) => (e: unknown) => e instanceof EngineRefusedError && e.refusal === kind;

/** A network of a free /24 of 10.238.80-199 (outside cilo's pool), labelled for the teardown. */
async function freshNetwork(d: Docker, name: string, label: Record<string, string>): Promise<string> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const subnet = `10.238.${80 + Math.floor(Math.random() * 120)}.0/24`;
    try {
      await d.createNetwork({ name, subnet, labels: label });
      return subnet;
    } catch (e) {
      if (!refused('overlap')(e)) throw e;
    }
  }
  throw new Error('no free /24 in 10.238.80-199.0 on this engine');
}

for (const transport of ['api', 'cli'] as const)
  test(
    `changes through the ${transport === 'api' ? "engine's API" : 'docker CLI'}: done, or refused by kind`,
    {
      timeout: 120_000,
    },
    async (t: TestContext) => {
      if (!requireDocker(t)) return;
      const d = new Docker(
        process.env,
        undefined,
        'local',
        undefined,
        transport === 'api' ? socketApi(homedir()) : undefined,
      );
      const name = uniqueName(`client-${transport}`);
      const label = { 'cilo.test': name };
      t.after(() => {
        const ids = dockerLines(['ps', '-aq', '--filter', `label=cilo.test=${name}`]);
        if (ids.length) dockerLines(['rm', '-f', ...ids]);
        for (const n of dockerLines(['network', 'ls', '-q', '--filter', `label=cilo.test=${name}`]))
          dockerLines(['network', 'rm', n]);
        dockerLines(['volume', 'rm', '-f', `${name}-v`]);
      });
      const subnet = await freshNetwork(d, name, label);
      await assert.rejects(d.createNetwork({ name, subnet: '10.238.250.0/24', labels: label }), refused('exists'));
      const inside = subnet.replace('.0/24', '.0/25');
      await assert.rejects(d.createNetwork({ name: `${name}-2`, subnet: inside, labels: label }), refused('overlap'));

      const project = { 'com.docker.compose.project': name };
      await d.createVolume({ name: `${name}-v`, driver: 'local', options: {}, labels: { ...label, ...project } });
      const run = ['run', '-d', '--label', `cilo.test=${name}`, '--label', `com.docker.compose.project=${name}`];
      run.push('--network', name, '-v', `${name}-v:/data`);
      const started = await d.run([...run, IMAGE, 'sleep', '100000']);
      assert.equal(started.code, 0, started.stderr);
      const id = started.stdout.trim();
      assert.deepEqual(
        (await d.projectVolumes(name)).map((v) => [v.name, v.driver, v.labels['cilo.test']]),
        [[`${name}-v`, 'local', name]],
      );
      const [mounted] = await d.projectMounts(name);
      assert.equal(mounted?.id, id);
      assert.deepEqual(
        mounted.mounts.map((m) => [m.type, m.name, m.target]),
        [['volume', `${name}-v`, '/data']],
      );
      await assert.rejects(d.connect(name, id), refused('exists'), 'connected already');
      await assert.rejects(d.removeNetwork(name), refused('in-use'), 'a network with a container on it');
      await assert.rejects(d.removeVolumes([`${name}-v`]), refused('in-use'), "a running container's volume");
      // The rig's rootless Podman runs without cgroups, and pausing needs them (docs/TEST-RIG.md).
      const pausable = await d.pause([id]).then(
        () => true,
        (e: unknown) => (refused('other')(e) && /cgroup/i.test(String(e)) ? false : Promise.reject(e as Error)),
      );
      if (pausable) {
        assert.deepEqual(dockerLines(['inspect', '--format', '{{.State.Paused}}', id]), ['true']);
        await d.pause([id], false);
        assert.deepEqual(dockerLines(['inspect', '--format', '{{.State.Paused}}', id]), ['false']);
      } else t.diagnostic('this engine cannot pause a container (no cgroups)');

      await d.disconnect(name, id);
      await d.disconnect(name, id); // not connected: done
      assert.deepEqual(Object.keys((await d.inspectNetwork(name))!.containers), []);
      await d.connect(name, id);
      assert.deepEqual(Object.keys((await d.inspectNetwork(name))!.containers), [id]);
      await d.removeContainers([id, `${name}-gone`]); // the missing one: done
      assert.deepEqual(dockerLines(['ps', '-aq', '--filter', `label=cilo.test=${name}`]), []);
      await d.removeVolumes([`${name}-v`, `${name}-gone`]);
      assert.deepEqual(dockerLines(['volume', 'ls', '-q', '--filter', `name=^${name}-v$`]), []);
      await d.removeNetwork(name);
      await d.removeNetwork(name); // gone: done
      assert.equal(await d.inspectNetwork(name), undefined);
      await assert.rejects(d.connect(`${name}-gone`, 'x'), refused('missing'));

      // Containers as cilo creates them (the router's way): a name taken, a host port taken, an image not here.
      const port = await freePort();
      const spec = {
        name: `${name}-c1`,
        image: IMAGE,
        command: ['sleep', '100000'],
        labels: label,
        ports: [{ hostIp: '127.0.0.1', host: port, container: 80 }],
      };
      const c1 = await d.createContainer(spec);
      await d.startContainer(c1);
      await d.startContainer(c1); // started already: done
      await assert.rejects(d.createContainer(spec), refused('exists'));
      const c2 = await d.createContainer({ ...spec, name: `${name}-c2` });
      await assert.rejects(d.startContainer(c2), refused('port-taken'));
      await assert.rejects(
        d.createContainer({ ...spec, name: `${name}-c3`, image: `cilo-test/${name}:none` }),
        refused('missing'),
      );
      await d.removeContainers([c1, c2]);
      assert.equal(await d.hasImage(IMAGE), true);
      assert.equal(await d.hasImage(`cilo-test/${name}:none`), false);
      assert.deepEqual(await d.inspectContainers([`${name}-gone`]), []);
    },
  );
