// Smoke test of the machinery everything else relies on: a subnet from cilo's allocator becomes a labelled
// Docker network, a fixture container gets a static address on it, and the host reaches it over HTTP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { allocateSubnet, subnetLayout, formatIPv4, parseCidr, contains, parseIPv4 } from '../../lib/network/subnet.ts';
import { parsePool } from '../../lib/settings.ts';
import { docker, dockerLines, httpBody, requireDocker, uniqueName } from '../helpers.ts';

/** Subnets of every Docker network on the engine. */
function dockerSubnets(): string[] {
  const ids = dockerLines(['network', 'ls', '-q']);
  if (ids.length === 0) return [];
  return dockerLines(['network', 'inspect', '--format', '{{range .IPAM.Config}}{{.Subnet}} {{end}}', ...ids])
    .flatMap((l) => l.split(' '))
    .filter(Boolean);
}

function removeLabelled(label: string): void {
  const containers = dockerLines(['ps', '-aq', '--filter', `label=${label}`]);
  if (containers.length) dockerLines(['rm', '-f', '-v', ...containers]);
  for (const n of dockerLines(['network', 'ls', '-q', '--filter', `label=${label}`])) dockerLines(['network', 'rm', n]);
}

test('an allocated subnet, a labelled network, a static address reachable from the host', async (t) => {
  if (!requireDocker(t)) return;
  const id = uniqueName('smoke');
  const label = `cilo.test=${id}`;
  t.after(() => removeLabelled(label));

  // A pool of its own, so this test never takes a subnet an environment test expects.
  const pool = parsePool({ CILO_SUBNET_POOL: '10.239.0.0/16', CILO_SUBNET_PREFIX: '24' });
  let subnet: string;
  // Another test may create a network between our look and our create: allocate again past it.
  const refused: string[] = [];
  for (let attempt = 0; ; attempt++) {
    subnet = allocateSubnet(pool, [...dockerSubnets(), ...refused]);
    assert.ok(parseCidr(subnet) && contains(pool.pool, parseCidr(subnet)!.base), `${subnet} lies in the pool`);
    const layout = subnetLayout(subnet);
    try {
      execFileSync(
        'docker',
        [
          'network',
          'create',
          '--driver',
          'bridge',
          '--subnet',
          subnet,
          '--gateway',
          layout.gateway,
          '--ip-range',
          layout.ipRange,
          '--label',
          label,
          id,
        ],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
          encoding: 'utf8',
        },
      );
      break;
    } catch (e) {
      const stderr = String((e as { stderr?: string }).stderr ?? '');
      if (!/overlap/i.test(stderr) || attempt >= 5)
        throw new Error(`docker network create ${id} (${subnet}) failed: ${stderr}`, { cause: e });
      refused.push(subnet);
    }
  }
  const layout = subnetLayout(subnet);
  const ip = formatIPv4(layout.staticFirst);
  assert.deepEqual(JSON.parse(docker(['network', 'inspect', '--format', '{{json .Labels}}', id])), { 'cilo.test': id });
  assert.equal(
    docker(['network', 'inspect', '--format', '{{range .IPAM.Config}}{{.Subnet}}{{end}}', id]).trim(),
    subnet,
  );

  const container = docker([
    'run',
    '-d',
    '--init',
    '--pull',
    'never',
    '--name',
    id,
    '--label',
    label,
    '--network',
    id,
    '--ip',
    ip,
    'cilo-fixture:busybox',
    'sh',
    '-c',
    `echo "smoke of ${id}" > /www/index.html && exec httpd -f -p 80 -h /www`,
  ]).trim();
  assert.match(container, /^[0-9a-f]{64}$/);
  assert.equal(
    docker(['inspect', '--format', `{{(index .NetworkSettings.Networks "${id}").IPAddress}}`, id]).trim(),
    ip,
  );
  assert.ok(parseIPv4(ip)! < parseIPv4(layout.ipRange.split('/')[0]!)!, 'static addresses sit below the dynamic range');

  assert.equal(await httpBody(`http://${ip}/`), `smoke of ${id}\n`);

  // Removal works as cleanup will do it, and leaves nothing behind.
  removeLabelled(label);
  assert.deepEqual(dockerLines(['ps', '-aq', '--filter', `label=${label}`]), []);
  assert.deepEqual(dockerLines(['network', 'ls', '-q', '--filter', `label=${label}`]), []);
});
