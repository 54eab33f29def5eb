// Every network an environment uses comes from cilo's pool (docs/DESIGN.md §2), on the real engine: many
// copies at once, pinned subnets and addresses, pinned names, an external network, a network_mode service,
// names inside containers on both networks and from the host, and Docker's own pools used up.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { join } from 'node:path';
import type { EnvironmentView } from '../../lib/views/views.ts';
import { contains, overlaps, parseCidr, parseIPv4 } from '../../lib/network/subnet.ts';
import { POOLS_EXHAUSTED } from '../../lib/docker/writes.ts';
import { parseSettings } from '../../lib/settings.ts';
import {
  cilo,
  ciloCompose,
  ciloEnv,
  dig,
  docker,
  dockerLines,
  downWithEngineRetry,
  FIXTURES,
  httpBody,
  removeDockerObjects,
  requireDocker,
  uniqueName,
  type CiloEnv,
} from '../helpers.ts';

const BACKEND = join(FIXTURES, 'backend');
const NETWORKS = join(FIXTURES, 'networks');
const PINNED = join(FIXTURES, 'pinned');
const POOL = parseSettings({}).pool.pool;

async function status(ce: CiloEnv, name: string): Promise<EnvironmentView> {
  const r = await cilo(['status', name, '--json'], { env: ce.env });
  assert.equal(r.exitCode, 0, r.stderr);
  return JSON.parse(r.stdout) as EnvironmentView;
}

/** Docker networks and their subnets, by name. */
function networksNamed(pattern: RegExp): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const ids = dockerLines(['network', 'ls', '-q']);
  for (const line of dockerLines([
    'network',
    'inspect',
    '--format',
    '{{.Name}} {{range .IPAM.Config}}{{.Subnet}} {{end}}',
    ...ids,
  ])) {
    const [name, ...subnets] = line.trim().split(' ');
    if (pattern.test(name!)) out.set(name!, [...(out.get(name!) ?? []), ...subnets.filter(Boolean)]);
  }
  return out;
}

async function exec(container: string, cmd: string[]) {
  const r = await execa('docker', ['exec', container, ...cmd], { reject: false, stdin: 'ignore', timeout: 20_000 });
  return { code: r.exitCode, out: String(r.stdout) };
}

function names(t: TestContext, prefix: string, n: number): string[] {
  const out = Array.from({ length: n }, () => uniqueName(prefix));
  t.after(() => out.forEach((n) => removeDockerObjects(n)));
  return out;
}

test(
  "60 copies of a two-network project at once: all up, exactly their two networks each, all from cilo's pool; 60 destroys leave nothing",
  { timeout: 1_800_000 }, // 60 ups and 60 destroys at once on two cores: bounded generously (the runner names it if it times out)
  async (t) => {
    if (!requireDocker(t)) return;
    const ce = await ciloEnv(t, { CILO_DNS: 'off' });
    const envs = names(t, 'many', 60);
    const ups = await Promise.all(envs.map((n) => ciloCompose(['-p', n, 'up', '-d'], { cwd: BACKEND, env: ce.env })));
    ups.forEach((r, i) => assert.equal(r.exitCode, 0, `${envs[i]}: ${r.stderr}`));

    const nets = networksNamed(/^(cilo-many|many)/);
    const subnets: string[] = [];
    for (const n of envs) {
      const own = [...nets.keys()].filter((k) => k === `cilo-${n}` || k.startsWith(`${n}_`)).sort();
      assert.deepEqual(
        own,
        [`cilo-${n}`, `${n}_backend`],
        `${n} has exactly its environment network and its backend (no ${n}_default)`,
      );
      for (const k of own) {
        assert.equal(nets.get(k)!.length, 1, `one network named ${k}, one subnet`);
        subnets.push(nets.get(k)![0]!);
      }
      assert.deepEqual(dockerLines(['ps', '-q', '--filter', `label=com.docker.compose.project=${n}`]).length, 2);
    }
    const cidrs = subnets.map((s) => parseCidr(s)!);
    for (const c of cidrs) assert.ok(contains(POOL, c.base), `${c.base} lies in cilo's pool`);
    for (let a = 0; a < cidrs.length; a++)
      for (let b = a + 1; b < cidrs.length; b++)
        assert.ok(!overlaps(cidrs[a]!, cidrs[b]!), `${subnets[a]} and ${subnets[b]} overlap`);
    const v = await status(ce, envs[0]!);
    assert.deepEqual(
      v.networks.map((n) => [n.key, n.name]),
      [
        ['default', `cilo-${envs[0]}`],
        ['backend', `${envs[0]}_backend`],
      ],
    );

    const downs = await Promise.all(envs.map((n) => downWithEngineRetry(() => cilo(['destroy', n], { env: ce.env }))));
    downs.forEach((r, i) => assert.equal(r.exitCode, 0, `destroy ${envs[i]}: ${r.stderr}`));
    assert.deepEqual(
      [...networksNamed(/^(cilo-many|many)/).keys()].filter((k) => envs.some((n) => k.includes(n))),
      [],
    );
    assert.deepEqual(
      dockerLines(['ps', '-aq', '--filter', 'label=com.docker.compose.project']).filter((id) =>
        envs.some(
          (n) => docker(['inspect', '-f', '{{index .Config.Labels "com.docker.compose.project"}}', id]).trim() === n,
        ),
      ),
      [],
    );
  },
);

test(
  'pinned subnets, addresses, names; an external network and a network_mode service: two copies side by side',
  { timeout: 120_000 },
  async (t) => {
    if (!requireDocker(t)) return;
    const outside = uniqueName('outside');
    docker(['network', 'create', outside]);
    const ce = await ciloEnv(t, { CILO_DNS: 'off', CILO_TEST_EXTERNAL: outside });
    // After the home's cleanup (hooks run in the order they were added): its containers leave the network first.
    t.after(() => dockerLines(['network', 'rm', outside]));
    const [a, b] = names(t, 'pin', 2) as [string, string];
    for (const n of [a, b]) {
      const r = await ciloCompose(['-p', n, 'up', '-d'], { cwd: PINNED, env: ce.env });
      assert.equal(r.exitCode, 0, r.stderr);
    }
    const [va, vb] = [await status(ce, a), await status(ce, b)];
    for (const [n, v] of [
      [a, va],
      [b, vb],
    ] as const) {
      const fixed = v.networks.find((x) => x.key === 'fixed')!;
      assert.equal(fixed.name, `${n}_fixed`);
      assert.match(fixed.subnet, /\/24$/, 'the pinned size');
      assert.ok(contains(POOL, parseCidr(fixed.subnet)!.base), "from cilo's pool");
      const host = (ip: string) => (parseIPv4(ip)! - parseCidr(fixed.subnet)!.base) >>> 0;
      const dbIp = v.services.find((s) => s.name === 'db')!.addresses[0]!;
      assert.equal(host(dbIp), 11, `db keeps its host part .11 in ${fixed.subnet} (got ${dbIp})`);
      const apiOnFixed = docker([
        'inspect',
        '-f',
        `{{(index .NetworkSettings.Networks "${n}_fixed").IPAddress}}`,
        `${n}-api-1`,
      ]).trim();
      assert.equal(host(apiOnFixed), 10, 'api keeps .10');
      assert.equal(v.networks.find((x) => x.key === 'named')!.name, `${n}_pinned-net`);
      assert.deepEqual(v.volumes, [{ key: 'data', name: `${n}_pgdata`, pinned: 'pgdata' }]);
      assert.equal(docker(['inspect', '-f', '{{range .Mounts}}{{.Name}}{{end}}', `${n}-db-1`]).trim(), `${n}_pgdata`);
      // The external network is joined under its own name; the network_mode service runs in api's stack.
      assert.ok(docker(['inspect', '-f', '{{json .NetworkSettings.Networks}}', `${n}-api-1`]).includes(`"${outside}"`));
      assert.equal((await exec(`${n}-sidecar-1`, ['wget', '-qO-', 'http://127.0.0.1/'])).out, `api of ${n}`);
    }
    assert.notEqual(
      va.networks.find((x) => x.key === 'fixed')!.subnet,
      vb.networks.find((x) => x.key === 'fixed')!.subnet,
    );
    // One copy writes into its volume; the other does not see it.
    await exec(`${a}-db-1`, ['sh', '-c', 'echo only-a > /data/x']);
    assert.notEqual((await exec(`${b}-db-1`, ['cat', '/data/x'])).out, 'only-a');
    assert.deepEqual(
      dockerLines(['volume', 'ls', '-q', '--filter', 'name=^pgdata$']),
      [],
      'no copy uses the pinned name itself',
    );

    // A one-off run of a service that pins its address gets none of its own on any network: not api's
    // (it runs, they would collide), not the files' untranslated 172.28.5.10 either.
    const apiA = docker(['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}', `${a}-api-1`]);
    const run = await ciloCompose(['-p', a, 'run', '--rm', 'api', 'ip', '-4', '-o', 'addr'], {
      cwd: PINNED,
      env: ce.env,
    });
    assert.equal(run.exitCode, 0, run.stderr);
    const ips = [...run.stdout.matchAll(/inet (\d+\.\d+\.\d+\.\d+)\//g)]
      .map((m) => m[1]!)
      .filter((ip) => ip !== '127.0.0.1');
    assert.ok(ips.length >= 2, `the one-off is on its networks: ${run.stdout}`);
    for (const ip of ips) assert.ok(!apiA.split(' ').includes(ip) && ip !== '172.28.5.10', `the one-off has ${ip}`);

    for (const n of [a, b])
      assert.equal((await downWithEngineRetry(() => cilo(['destroy', n], { env: ce.env }))).exitCode, 0);
    assert.equal(
      dockerLines(['network', 'ls', '-q', '--filter', `name=^${outside}$`]).length,
      1,
      'the external network is left',
    );
    assert.deepEqual(
      dockerLines(['volume', 'ls', '-q']).filter((x) => x.startsWith(a) || x.startsWith(b)),
      [],
    );
  },
);

test(
  "names on both networks: Compose's service names and <svc>.<env>.test inside, every service by name from the host; the topology kept",
  { timeout: 120_000 },
  async (t) => {
    if (!requireDocker(t)) return;
    const ce = await ciloEnv(t);
    const [n] = names(t, 'nm', 1) as [string];
    assert.equal((await ciloCompose(['-p', n, 'up', '-d'], { cwd: NETWORKS, env: ce.env })).exitCode, 0);
    const api = `${n}-api-1`;
    for (const host of ['web', `web.${n}.test`, 'db', `db.${n}.test`])
      assert.equal(
        (await exec(api, ['wget', '-qO-', `http://${host}/`])).out,
        `${host.split('.')[0]} of ${n}`,
        `${host} from api`,
      );
    assert.equal(
      (await exec(`${n}-db-1`, ['wget', '-qO-', `http://api.${n}.test/`])).out,
      `api of ${n}`,
      'api from db, over the backend',
    );
    assert.notEqual(
      (await exec(`${n}-web-1`, ['nslookup', 'db'])).code,
      0,
      'web and db share no network, as in the files',
    );
    const port = Number(ce.env.CILO_DNS_PORT);
    for (const svc of ['web', 'api', 'db']) {
      const a = await dig(`${svc}.${n}.test`, port);
      assert.equal(a.status, 'NOERROR');
      assert.equal(a.addresses.length, 1, `${svc}.${n}.test has one address`);
      assert.equal(await httpBody(`http://${a.addresses[0]}/`), `${svc} of ${n}\n`, `${svc} from the host by its name`);
    }
  },
);

test(
  "Docker's own address pools used up by networks that are not cilo's: cilo's copies still come up",
  { timeout: 180_000 },
  async (t) => {
    if (!requireDocker(t)) return;
    const label = `cilo.test.pools=${uniqueName('p')}`;
    t.after(() =>
      dockerLines(['network', 'ls', '-q', '--filter', `label=${label}`]).forEach((id) =>
        dockerLines(['network', 'rm', id]),
      ),
    );
    let exhausted = '';
    for (let i = 0; i < 64 && !exhausted; i++) {
      const r = await execa('docker', ['network', 'create', '--label', label, uniqueName('fill')], { reject: false });
      if (r.exitCode !== 0) exhausted = String(r.stderr);
    }
    assert.match(exhausted, POOLS_EXHAUSTED, 'the default pools are used up');
    const ce = await ciloEnv(t, { CILO_DNS: 'off' });
    const [n] = names(t, 'full', 1) as [string];
    const r = await ciloCompose(['-p', n, 'up', '-d'], { cwd: BACKEND, env: ce.env });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.deepEqual(
      (await status(ce, n)).services.map((s) => s.addresses.length),
      [1, 1],
    );
    assert.equal((await downWithEngineRetry(() => cilo(['destroy', n], { env: ce.env }))).exitCode, 0);
  },
);
