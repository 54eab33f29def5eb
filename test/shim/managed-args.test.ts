// What the shim reads from a managed command line beyond the global flags: the service of a one-off `run`
// (whose static address must be dropped) and the `scale` command's SERVICE=REPLICAS arguments, plus the run
// override itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { runService, scaleArguments } from '../../lib/compose/model.ts';
import { renderOverride, withoutStaticAddresses, type OverrideInput } from '../../lib/compose/override.ts';

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

// `!reset` is Compose's tag: the yaml library would warn about it on every parse.
const parse = (text: string) => parseYaml(text, { logLevel: 'error' });

function input(): OverrideInput {
  return {
    envName: 'dev',
    project: 'shop',
    homeId: 'abc123',
    envNetwork: 'cilo-dev',
    publishedNetwork: 'cilo-shared-dev',
    joinedNetworks: ['cilo-shared-db'],
    services: [
      { name: 'app', networks: ['default'], dnsName: 'app.dev.test', ip: '10.224.0.2', sharedIp: '10.224.1.2', renameContainer: false },
      { name: 'db', networks: ['default', 'back'], dnsName: 'db.dev.test', ip: '10.224.0.3', sharedIp: '10.224.1.3', renameContainer: true },
      { name: 'w$x', networks: ['default'], dnsName: 'w-x.dev.test', ip: '10.224.0.4', renameContainer: false },
    ],
  };
}

test('withoutStaticAddresses drops only that service\'s addresses, everything else is unchanged', () => {
  const full = parse(renderOverride(input()));
  for (const svc of ['app', 'db', 'w$x']) {
    const dropped = parse(withoutStaticAddresses(renderOverride(input()), svc));
    const expected = structuredClone(full);
    const key = svc.split('$').join('$$'); // the override escapes $ for Compose's interpolation
    for (const net of Object.values(expected.services[key].networks) as ({ ipv4_address?: string } | null)[]) if (net) delete net.ipv4_address;
    assert.deepEqual(dropped, expected, svc);
  }
  assert.equal(withoutStaticAddresses(renderOverride(input()), 'nope'), renderOverride(input()), 'an unknown service changes nothing');
});

test('withoutStaticAddresses keeps the !reset tag and the text otherwise byte for byte', () => {
  const text = renderOverride(input());
  const out = withoutStaticAddresses(text, 'app');
  assert.equal(out, text.replace('        ipv4_address: "10.224.0.2"\n', '').replace('        ipv4_address: "10.224.1.2"\n', ''));
  assert.match(out, /ports: !reset \[\]/);
});
