// Shared resources (DESIGN.md §8, seed phase 2A), for real: a publisher's cilo-shared-<name> network, consumers
// that join it by flag or by x-cilo, names that resolve inside containers and on the host, destroy protection,
// --force, missing networks, and the `cilo shared` views. Each test has its own CILO_HOME and dnsmasq.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import {
  cilo,
  ciloCompose,
  ciloEnv,
  containerOf,
  docker,
  digUntilGone,
  dockerLines,
  FIXTURES,
  httpGetVia,
  readJson,
  requireDocker,
  sweepEnvironments,
  tempDir,
  uniqueName,
  type RunResult,
} from '../helpers.js';
import { queryA } from '../../lib/dns/query.js';
import type { State } from '../../lib/state/schema.js';

const DB = join(FIXTURES, 'db');
const FRONTEND = join(FIXTURES, 'frontend');
const PUBLISHER = join(FIXTURES, 'shared-test', 'publisher');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function ok(r: RunResult, what: string): void {
  assert.equal(r.exitCode, 0, `${what} exited ${r.exitCode}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

const stateOf = (home: string): State => readJson<State>(join(home, 'state.json'));
const envsOf = (home: string) => stateOf(home).hosts.local!.environments;

interface NetInfo {
  Id: string;
  Name: string;
  Labels: Record<string, string> | null;
  IPAM: { Config: { Subnet: string }[] | null };
  Containers: Record<string, { Name: string; IPv4Address: string }> | null;
}

function network(name: string): NetInfo | undefined {
  const out = dockerLines(['network', 'inspect', '--format', '{{json .}}', name]);
  return out.length ? (JSON.parse(out[0]!) as NetInfo) : undefined;
}

function containerNetworks(id: string): Record<string, string> {
  const nets = JSON.parse(docker(['inspect', '--format', '{{json .NetworkSettings.Networks}}', id])) as Record<
    string,
    { IPAddress: string }
  >;
  return Object.fromEntries(Object.entries(nets).map(([n, v]) => [n, v.IPAddress]));
}

const isRunning = (id: string) => docker(['inspect', '--format', '{{.State.Running}}', id]).trim() === 'true';

/**
 * `wget -qO- URL` inside a container (busybox), retried briefly while the server starts. (busybox wget's
 * own -T timeout crashes this static busybox, hence the timeout on docker exec.)
 */
async function wgetInside(container: string, url: string): Promise<string> {
  let last = '';
  for (let i = 0; i < 30; i++) {
    try {
      return execFileSync('docker', ['exec', container, 'wget', '-qO-', url], {
        encoding: 'utf8',
        timeout: 5000,
        stdio: ['ignore', 'pipe', 'pipe'],
      }).trim();
    } catch (e) {
      last = `wget ${url} in ${container} failed: ${(e as { stderr?: string }).stderr ?? (e as Error).message}`;
    }
    await sleep(150);
  }
  throw new Error(last);
}

/** Resolves a name with cilo's dnsmasq and GETs it from the host. */
async function hostFetch(port: number, name: string): Promise<{ address: string; body: string }> {
  const a = await queryA(name, port, { timeoutMs: 2000 });
  assert.equal(a.rcode, 0, `${name}: rcode ${a.rcode}`);
  assert.equal(a.addresses.length, 1, `${name}: ${a.addresses.join(', ')}`);
  for (let i = 0; ; i++) {
    try {
      const r = await httpGetVia(a.addresses[0]!, name);
      if (r.status === 200) return { address: a.addresses[0]!, body: r.body.trim() };
    } catch (e) {
      if (i > 40) throw e;
    }
    await sleep(150);
  }
}

/** Docker objects of these environments, as comparable text (ids, states, attachments). */
function dockerSnapshot(names: string[], extraNetworks: string[] = []): string {
  const containers = names
    .flatMap((n) => dockerLines(['ps', '-aq', '--no-trunc', '--filter', `label=cilo.env=${n}`]))
    .sort();
  const lines = containers.map((id) =>
    docker(['inspect', '--format', '{{.Id}} {{.State.Status}} {{json .NetworkSettings.Networks}}', id]).trim(),
  );
  const nets = dockerLines(['network', 'ls', '--no-trunc', '--format', '{{.ID}} {{.Name}}'])
    .filter((l) => names.some((n) => l.includes(n)) || extraNetworks.some((n) => l.endsWith(` ${n}`)))
    .sort();
  return [...lines, ...nets].join('\n');
}

/** What remains in Docker of these environment names: containers and networks, by label and by name. */
function leftovers(names: string[]): string[] {
  return names.flatMap((n) => [
    ...dockerLines(['ps', '-a', '--format', '{{.Names}}', '--filter', `label=cilo.env=${n}`]),
    ...dockerLines(['ps', '-a', '--format', '{{.Names}}', '--filter', `label=com.docker.compose.project=${n}`]),
    ...dockerLines(['network', 'ls', '--format', '{{.Name}}', '--filter', `label=cilo.env=${n}`]),
    ...[`cilo-${n}`, `cilo-shared-${n}`, `${n}_default`].filter((net) => network(net) !== undefined),
  ]);
}

test('a publisher, two consumers, destroy protection, --force, and a missing network at up', async (t) => {
  requireDocker(t);
  const { home, env } = await ciloEnv(t);
  const port = Number(env.CILO_DNS_PORT);
  const [db, f1, f2] = [uniqueName('db'), uniqueName('fe'), uniqueName('fe')];
  const [dbKey, k1, k2] = [`db/${db}`, `frontend/${f1}`, `frontend/${f2}`];
  const shared = `cilo-shared-${db}`;
  // A plain Docker network cilo did not create, labelled so a human can tell where it came from.
  const ext = `cilo-test-ext-${randomBytes(3).toString('hex')}`;
  t.after(() => {
    sweepEnvironments([f1, f2, db]);
    dockerLines(['network', 'rm', ext]);
  });
  docker(['network', 'create', '--label', 'cilo-test=shared.integration', ext]);

  await t.test('publishing: its own network and subnet, a state record, idempotent', async () => {
    ok(await cilo(['create', db, '--from', DB], { env }), `cilo create ${db}`);
    ok(await cilo(['up', db, '--create-shared'], { env }), `cilo up ${db} --create-shared`);
    const net = network(shared);
    assert.ok(net, `${shared} exists`);
    assert.equal(net.Labels?.['cilo.shared'], 'true');
    const envNet = network(`cilo-${db}`)!;
    const [sharedSubnet, envSubnet] = [net.IPAM.Config![0]!.Subnet, envNet.IPAM.Config![0]!.Subnet];
    assert.notEqual(sharedSubnet, envSubnet);
    const record = stateOf(home).shared_networks[shared]!;
    assert.equal(record.name, shared);
    assert.equal(record.created_by, dbKey);
    assert.deepEqual(record.referenced_by, [dbKey]);
    assert.equal(envsOf(home)[dbKey]!.shared_subnet, sharedSubnet);
    assert.equal(envsOf(home)[dbKey]!.subnet, envSubnet);

    const again = await cilo(['up', db, '--create-shared'], { env });
    ok(again, 'second cilo up --create-shared');
    assert.equal(network(shared)!.Id, net.Id, 'the same network, not a new one');
    assert.deepEqual(stateOf(home).shared_networks[shared], record, 'the same record');
  });

  await t.test(
    'two consumers join (flag, and comma list with a non-cilo network) and reach postgres by name',
    async () => {
      ok(await cilo(['create', f1, '--from', FRONTEND, '--shared-network', shared], { env }), `cilo create ${f1}`);
      ok(
        await cilo(['create', f2, '--from', FRONTEND, `--shared-network=${shared},${ext}`], { env }),
        `cilo create ${f2}`,
      );
      const st = stateOf(home);
      assert.deepEqual(st.shared_networks[shared]!.referenced_by, [dbKey, k1, k2]);
      assert.deepEqual(envsOf(home)[k2]!.shared_networks, [shared, ext]);
      assert.equal(st.shared_networks[ext]!.created_by, 'external');
      assert.deepEqual(st.shared_networks[ext]!.referenced_by, [k2]);

      const ups = await Promise.all([cilo(['up', f1], { env }), cilo(['up', f2], { env })]);
      ok(ups[0], `cilo up ${f1}`);
      ok(ups[1], `cilo up ${f2}`);

      for (const f of [f1, f2])
        assert.equal(await wgetInside(containerOf(f, 'app'), `http://postgres.${db}.test`), `postgres of ${db}`);
      assert.ok(ext in containerNetworks(containerOf(f2, 'app')), `${f2} joined ${ext}`);
      assert.ok(!(ext in containerNetworks(containerOf(f1, 'app'))));

      // From the host: the publisher's address on the shared network, served over HTTP.
      const pgShared = containerNetworks(containerOf(db, 'postgres'))[shared];
      assert.ok(pgShared, 'postgres is attached to the shared network');
      const fetched = await hostFetch(port, `postgres.${db}.test`);
      assert.equal(fetched.address, pgShared);
      assert.equal(fetched.body, `postgres of ${db}`);
    },
  );

  await t.test('cilo shared list / inspect, text and --json', async () => {
    const list = await cilo(['shared', 'list'], { env });
    ok(list, 'cilo shared list');
    const lines = list.stdout.split('\n');
    assert.match(lines[0]!, /^NETWORK\s+CREATED BY\s+REFERENCES\s+CREATED$/);
    const row = (net: string) => lines.findIndex((l) => l.startsWith(`${net} `));
    const i = row(shared);
    assert.match(lines[i]!, new RegExp(`^${shared}\\s+${dbKey.replace('/', '\\/')}\\s+3\\s+\\d{4}-\\d{2}-\\d{2}$`));
    assert.deepEqual(lines.slice(i + 1, i + 4), [`  └─ ${dbKey}`, `  └─ ${k1}`, `  └─ ${k2}`]);
    const j = row(ext);
    assert.match(lines[j]!, new RegExp(`^${ext}\\s+external\\s+1\\s+\\d{4}-\\d{2}-\\d{2}$`));
    assert.equal(lines[j + 1], `  └─ ${k2}`);

    const json = JSON.parse((await cilo(['shared', 'list', '--json'], { env })).stdout);
    const view = json.shared_networks.find((v: { name: string }) => v.name === shared);
    assert.equal(view.created_by, dbKey);
    assert.equal(view.exists, true);
    assert.equal(view.subnet, envsOf(home)[dbKey]!.shared_subnet);
    assert.deepEqual(view.references, [
      { key: dbKey, engine: 'local', status: 'running', broken: false },
      { key: k1, engine: 'local', status: 'running', broken: false },
      { key: k2, engine: 'local', status: 'running', broken: false },
    ]);
    assert.deepEqual([view.scope, view.engine], ['local', 'local']);

    const inspect = await cilo(['shared', 'inspect', shared], { env });
    ok(inspect, 'cilo shared inspect');
    const record = stateOf(home).shared_networks[shared]!;
    assert.equal(
      inspect.stdout,
      [
        `Network: ${shared}`,
        'Scope: local',
        `Created By: ${dbKey}`,
        `Created At: ${record.created_at}`,
        `Subnet: ${record.subnet}`,
        'Docker network: exists',
        'References (3):',
        `  - ${dbKey} (running)`,
        `  - ${k1} (running)`,
        `  - ${k2} (running)`,
      ].join('\n'),
    );
    const ij = JSON.parse((await cilo(['shared', 'inspect', shared, '--json'], { env })).stdout);
    assert.deepEqual(ij, view);
    const unknown = await cilo(['shared', 'inspect', 'cilo-shared-nope'], { env });
    assert.equal(unknown.exitCode, 1);
    assert.match(unknown.stderr, /^cilo: error: shared network cilo-shared-nope not found/m);
  });

  await t.test('destroying the publisher is refused while consumers use it, and changes nothing', async () => {
    const stateBefore = readFileSync(join(home, 'state.json'));
    const dockerBefore = dockerSnapshot([db, f1, f2], [ext]);
    const r = await cilo(['destroy', db], { env });
    assert.equal(r.exitCode, 1, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`^cilo: error: cannot destroy ${dbKey}: shared network ${shared} is used by: ${k1}, ${k2}$`, 'm'),
    );
    assert.match(r.stderr, /^hint: .*--force/m);
    assert.ok(readFileSync(join(home, 'state.json')).equals(stateBefore), 'state.json is byte-for-byte unchanged');
    assert.equal(dockerSnapshot([db, f1, f2], [ext]), dockerBefore, 'same containers and networks');
  });

  await t.test(
    'destroying a consumer drops its references and never removes a network cilo did not create',
    async () => {
      ok(await cilo(['destroy', f2], { env }), `cilo destroy ${f2}`);
      assert.ok(network(ext), `${ext} still exists`);
      const st = stateOf(home);
      assert.deepEqual(st.shared_networks[shared]!.referenced_by, [dbKey, k1]);
      assert.equal(st.shared_networks[ext], undefined, 'no one references the external network any more');
      assert.equal(envsOf(home)[k2], undefined);
    },
  );

  await t.test(
    '--force with a running consumer: warns, disconnects it, removes the network, records the break',
    async () => {
      const app = containerOf(f1, 'app');
      const r = await cilo(['destroy', db, '--force'], { env });
      ok(r, `cilo destroy ${db} --force`);
      assert.match(r.stderr, new RegExp(`warning: .*${shared}.*${k1.replace('/', '\\/')}`));
      assert.equal(network(shared), undefined, `${shared} is gone`);
      assert.equal(network(`cilo-${db}`), undefined);
      assert.ok(isRunning(app), 'the consumer keeps running');
      assert.ok(!(shared in containerNetworks(app)), 'and is no longer attached to the removed network');
      assert.ok(`cilo-${f1}` in containerNetworks(app));

      const status = JSON.parse((await cilo(['status', f1, '--json'], { env })).stdout);
      assert.deepEqual(status.shared_networks, [{ name: shared, broken: true }]);
      const text = await cilo(['status', f1], { env });
      assert.match(text.stdout, new RegExp(`^joins ${shared} \\(BROKEN`, 'm'));
      const list = await cilo(['list'], { env });
      ok(list, 'cilo list');
      assert.match(list.stdout, new RegExp(`^${f1}\\s.*${shared} \\(BROKEN\\)`, 'm'));
      // The record outlives the publisher while a consumer references it: creator kept, subnet freed.
      const sl = await cilo(['shared', 'list'], { env });
      ok(sl, 'cilo shared list');
      assert.match(
        sl.stdout,
        new RegExp(
          `^${shared} \\(MISSING\\)\\s+${dbKey.replace('/', '\\/')}\\s+1\\s+\\d{4}-\\d\\d-\\d\\d\\n  └─ ${k1.replace('/', '\\/')} \\(BROKEN\\)$`,
          'm',
        ),
        sl.stdout,
      );
      const sj = JSON.parse((await cilo(['shared', 'list', '--json'], { env })).stdout);
      const v = sj.shared_networks.find((x: { name: string }) => x.name === shared);
      assert.equal(typeof v.created_at, 'string');
      assert.deepEqual(
        { ...v, created_at: '' },
        {
          name: shared,
          created_by: dbKey,
          created_at: '',
          subnet: null,
          scope: 'local',
          engine: null,
          exists: false,
          references: [{ key: k1, engine: 'local', status: 'running', broken: true }],
        },
      );
      const inspect = await cilo(['shared', 'inspect', shared], { env });
      ok(inspect, 'cilo shared inspect (broken)');
      assert.match(inspect.stdout, /^Docker network: MISSING$/m);
      assert.match(inspect.stdout, new RegExp(`^  - ${k1.replace('/', '\\/')} \\(running, BROKEN\\)$`, 'm'));
    },
  );

  await t.test(
    'up of the consumer now fails before anything starts: names the network and its destroyed publisher',
    async () => {
      const app = containerOf(f1, 'app');
      const stateBefore = readFileSync(join(home, 'state.json'));
      const r = await cilo(['up', f1], { env });
      assert.equal(r.exitCode, 1, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(
          `^cilo: error: shared network ${shared} does not exist: .*publisher, environment ${db}, was destroyed`,
          'm',
        ),
      );
      assert.match(r.stderr, new RegExp(`^hint: .*cilo up ${db} --create-shared`, 'm'));
      assert.ok(readFileSync(join(home, 'state.json')).equals(stateBefore), 'state unchanged');
      assert.equal(containerOf(f1, 'app'), app);
      assert.ok(isRunning(app));
    },
  );

  await t.test('destroying the last consumer leaves no environment, record, container or network', async () => {
    ok(await cilo(['destroy', f1], { env }), `cilo destroy ${f1}`);
    const st = stateOf(home);
    assert.deepEqual(st.hosts.local!.environments, {});
    assert.deepEqual(st.shared_networks, {});
    assert.deepEqual(leftovers([db, f1, f2]), []);
    assert.ok(network(ext), `${ext} is still there (the test removes it)`);
  });
});

test('joining a network that does not exist fails at create, naming it, and registers nothing', async (t) => {
  requireDocker(t);
  const { home, env } = await ciloEnv(t);
  const name = uniqueName('fe');
  const missing = `cilo-shared-${uniqueName('nope')}`;
  t.after(() => sweepEnvironments([name]));
  const r = await cilo(['create', name, '--from', FRONTEND, '--shared-network', missing], { env });
  assert.equal(r.exitCode, 1, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(`^cilo: error: shared network ${missing} does not exist: no cilo environment publishes it$`, 'm'),
  );
  assert.match(r.stderr, new RegExp(`^hint: .*cilo up ${missing.slice('cilo-shared-'.length)} --create-shared`, 'm'));
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
  const st = existsSync(join(home, 'state.json')) ? stateOf(home) : undefined;
  assert.deepEqual(st?.hosts.local?.environments ?? {}, {});
  assert.deepEqual(st?.shared_networks ?? {}, {});
  assert.deepEqual(leftovers([name]), []);
  const list = JSON.parse((await cilo(['list', '--json'], { env })).stdout);
  assert.deepEqual(list.environments, []);
});

test('x-cilo keys alone: create-shared publisher and shared-networks consumer through cilo-compose', async (t) => {
  requireDocker(t);
  const { home, env } = await ciloEnv(t);
  const port = Number(env.CILO_DNS_PORT);
  const [pub, con] = [uniqueName('pub'), uniqueName('con')];
  const shared = `cilo-shared-${pub}`;
  t.after(() => sweepEnvironments([con, pub]));
  // The consumer names the network, which depends on the generated publisher name: written here.
  const dir = join(tempDir(t), 'consumer');
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'compose.yaml'),
    `x-cilo:\n  shared-networks: [${shared}]\nservices:\n  app:\n    image: cilo-fixture:busybox\n    init: true\n    command: ["sleep", "100000"]\n`,
  );

  ok(await ciloCompose(['-p', pub, 'up', '-d'], { env, cwd: PUBLISHER }), `cilo-compose -p ${pub} up -d`);
  const net = network(shared);
  assert.ok(net, `${shared} exists`);
  assert.equal(net.Labels?.['cilo.shared'], 'true');
  assert.equal(stateOf(home).shared_networks[shared]!.created_by, `publisher/${pub}`);

  ok(await ciloCompose(['-p', con, 'up', '-d'], { env, cwd: dir }), `cilo-compose -p ${con} up -d`);
  assert.deepEqual(stateOf(home).shared_networks[shared]!.referenced_by, [`publisher/${pub}`, `consumer/${con}`]);
  assert.deepEqual(envsOf(home)[`consumer/${con}`]!.shared_networks, [shared]);
  assert.equal(await wgetInside(containerOf(con, 'app'), `http://postgres.${pub}.test`), `postgres of ${pub}`);
  const fetched = await hostFetch(port, `postgres.${pub}.test`);
  assert.equal(fetched.address, containerNetworks(containerOf(pub, 'postgres'))[shared]);
  assert.equal(fetched.body, `postgres of ${pub}`);

  // Consumer first, then the publisher: both succeed and nothing is left.
  ok(await cilo(['destroy', con], { env }), `cilo destroy ${con}`);
  assert.deepEqual(stateOf(home).shared_networks[shared]!.referenced_by, [`publisher/${pub}`]);
  ok(await cilo(['destroy', pub], { env }), `cilo destroy ${pub}`);
  const st = stateOf(home);
  assert.deepEqual(st.hosts.local!.environments, {});
  assert.deepEqual(st.shared_networks, {});
  assert.deepEqual(leftovers([pub, con]), []);
  assert.equal((await digUntilGone(`postgres.${pub}.test`, port)).status, 'NXDOMAIN', 'NXDOMAIN after destroy');
});

test('after destroy --force, a re-created publisher takes its record back and a consumer up reconnects', async (t) => {
  requireDocker(t);
  const { home, env } = await ciloEnv(t, { CILO_DNS: 'off' });
  const [db, fe] = [uniqueName('db'), uniqueName('fe')];
  const shared = `cilo-shared-${db}`;
  t.after(() => sweepEnvironments([fe, db]));
  ok(await cilo(['create', db, '--from', DB], { env }), 'create publisher');
  ok(await cilo(['up', db, '--create-shared'], { env }), 'publish');
  ok(await cilo(['create', fe, '--from', FRONTEND, '--shared-network', shared], { env }), 'create consumer');
  ok(await cilo(['up', fe], { env }), 'up consumer');
  const app = containerOf(fe, 'app');
  ok(await cilo(['destroy', db, '--force'], { env }), 'destroy --force');
  assert.ok(!(shared in containerNetworks(app)), 'the consumer was disconnected');

  ok(await cilo(['create', db, '--from', DB], { env }), 're-create publisher');
  ok(await cilo(['up', db, '--create-shared'], { env }), 'publish again');
  const record = stateOf(home).shared_networks[shared]!;
  assert.equal(record.created_by, `db/${db}`);
  assert.deepEqual(record.referenced_by, [`db/${db}`, `frontend/${fe}`], 'the consumer is still referenced');
  assert.ok(record.subnet, 'a subnet again');

  ok(await cilo(['up', fe], { env }), 'up consumer again');
  // Compose 2.26 keeps the container (cilo connects it again); Compose 2.40 recreates it, since the network
  // it names is a new one. Either way the consumer's app is on the network and reaches the publisher.
  const now = containerOf(fe, 'app');
  assert.ok(
    shared in containerNetworks(now),
    `the consumer's app (${now === app ? 'kept' : 'recreated'}) is on ${shared}`,
  );
  assert.equal((await wgetInside(now, `http://postgres.${db}.test`)).trim(), `postgres of ${db}`);
  const status = JSON.parse((await cilo(['status', fe, '--json'], { env })).stdout);
  assert.deepEqual(status.shared_networks, [{ name: shared, broken: false }]);
});
