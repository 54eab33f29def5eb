// Issue 6: cilo under parallel use, crashes and bad input, on the real engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import {
  ciloEnv,
  cilo,
  ciloCompose,
  docker,
  FIXTURES,
  flockHolder,
  BIN_CILO,
  BIN_SHIM,
  requireDocker,
  tempDir,
  uniqueName,
  waitFor,
  type CiloEnv,
} from '../helpers.js';
import { localEnvironments } from '../../lib/state/schema.js';
import { readState } from '../../lib/state/store.js';

const TINY = join(FIXTURES, 'tiny');

/** The state as cilo reads it: parsed and migrated, empty when there is no file; throws if unreadable. */
function state(c: CiloEnv) {
  return readState(c.home);
}

function dockerLines(args: string[]): string[] {
  return docker(args).split('\n').filter(Boolean);
}

test('12 parallel cilo-compose up -d get distinct subnets and no duplicate networks; 12 parallel destroys leave nothing', async (t) => {
  if (!requireDocker(t)) return;
  const c = await ciloEnv(t, { CILO_DNS: 'off' });
  const names = Array.from({ length: 12 }, () => uniqueName('par'));
  const ups = await Promise.all(names.map((n) => ciloCompose(['-p', n, 'up', '-d'], { cwd: TINY, env: c.env })));
  ups.forEach((r, i) => assert.equal(r.exitCode, 0, `up ${names[i]}: ${r.stderr}`));
  const envs = Object.values(localEnvironments(state(c)));
  assert.equal(envs.length, 12);
  assert.equal(new Set(envs.map((e) => e.subnet)).size, 12, 'subnets are distinct');
  for (const n of names) {
    const nets = dockerLines(['network', 'ls', '--filter', `name=^cilo-${n}$`, '--format', '{{.ID}}']);
    assert.equal(nets.length, 1, `exactly one network cilo-${n}`);
    const subnet = docker(['network', 'inspect', '--format', '{{(index .IPAM.Config 0).Subnet}}', `cilo-${n}`]).trim();
    assert.equal(subnet, envs.find((e) => e.name === n)!.subnet);
  }
  const downs = await Promise.all(names.map((n) => cilo(['destroy', n], { env: c.env })));
  downs.forEach((r, i) => assert.equal(r.exitCode, 0, `destroy ${names[i]}: ${r.stderr}`));
  assert.deepEqual(Object.keys(localEnvironments(state(c))), []);
  for (const n of names) {
    assert.deepEqual(dockerLines(['ps', '-aq', '--filter', `label=com.docker.compose.project=${n}`]), []);
    assert.deepEqual(dockerLines(['network', 'ls', '-q', '--filter', `label=cilo.env=${n}`]), []);
  }
});

test('consumers joining while the publisher is destroyed end consistent: joined before a refused destroy, or failed cleanly', async (t) => {
  if (!requireDocker(t)) return;
  const c = await ciloEnv(t, { CILO_DNS: 'off' });
  const pub = uniqueName('pub');
  assert.equal((await cilo(['create', pub, '--from', join(FIXTURES, 'db')], { env: c.env })).exitCode, 0);
  const up = await cilo(['up', pub, '--create-shared'], { env: c.env });
  assert.equal(up.exitCode, 0, up.stderr);
  const net = `cilo-shared-${pub}`;
  const consumers = Array.from({ length: 6 }, () => uniqueName('con'));
  const [destroy, ...creates] = await Promise.all([
    cilo(['destroy', pub], { env: c.env }),
    ...consumers.map((n) =>
      cilo(['create', n, '--from', join(FIXTURES, 'frontend'), '--shared-network', net], { env: c.env }),
    ),
  ]);
  const s = state(c);
  const envs = localEnvironments(s);
  const joined = consumers.filter(
    (n, i) => creates[i]!.exitCode === 0 && Object.values(envs).some((e) => e.name === n),
  );
  for (const [i, n] of consumers.entries()) {
    const inState = Object.values(envs).some((e) => e.name === n);
    if (creates[i]!.exitCode === 0) assert.ok(inState, `${n} reported success but is not in state`);
    else {
      assert.ok(!inState, `${n} failed but left a state entry: ${creates[i]!.stderr}`);
      assert.match(creates[i]!.stderr, /cilo: error: .*cilo-shared-/);
    }
  }
  if (destroy.exitCode === 0) {
    // The destroy won: nobody may still hold a live reference to the removed network.
    assert.equal(s.shared_networks[net], undefined);
    assert.deepEqual(joined, [], 'no consumer may have joined a network that was destroyed');
    assert.deepEqual(dockerLines(['network', 'ls', '-q', '--filter', `name=^${net}$`]), []);
  } else {
    // The destroy was refused: the publisher and its network are intact, and every consumer is referenced.
    assert.match(destroy.stderr, /cannot destroy .*is used by/);
    assert.ok(joined.length > 0);
    assert.equal(Object.values(envs).find((e) => e.name === pub)?.status, 'running');
    for (const n of joined)
      assert.ok(
        s.shared_networks[net]!.referenced_by.some((k) => k.endsWith(`/${n}`)),
        `${n} is referenced`,
      );
    assert.equal(dockerLines(['network', 'ls', '-q', '--filter', `name=^${net}$`]).length, 1);
  }
});

test('SIGKILL at any point of create/up/destroy leaves a parsable state that doctor --fix reconciles', async (t) => {
  if (!requireDocker(t)) return;
  const c = await ciloEnv(t, { CILO_DNS: 'off' });
  const kill = (bin: string, args: string[], afterMs: number) =>
    new Promise<void>((resolve) => {
      const child = spawn(bin, args, { cwd: TINY, env: c.env, stdio: 'ignore' });
      const timer = setTimeout(() => child.kill('SIGKILL'), afterMs);
      child.on('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  const check = async (what: string) => {
    state(c); // parses, or throws with the file named
    const fix = await cilo(['doctor', '--fix', '--json'], { env: c.env });
    assert.ok(fix.exitCode === 0 || fix.exitCode === 1, `${what}: doctor --fix ran: ${fix.stderr}`);
    const after = await cilo(['doctor', '--json'], { env: c.env });
    assert.equal(after.exitCode, 0, `${what}: drift left after --fix: ${after.stdout}${after.stderr}`);
  };
  // The Compose a killed cilo started goes on alone: doctor compares once it has finished, as a user would.
  const composeGone = (name: string) =>
    waitFor(
      `the Compose of ${name} to end`,
      () => {
        const r = spawnSync('pgrep', ['-f', `compose .*-p ${name} `]);
        return r.status === 1;
      },
      120_000,
    );
  for (const ms of [80, 250, 500, 900, 1400]) {
    const name = uniqueName('crash');
    await kill(BIN_SHIM, ['-p', name, 'up', '-d'], ms);
    await composeGone(name);
    await check(`up killed after ${ms} ms`);
    if (Object.values(localEnvironments(state(c))).some((e) => e.name === name)) {
      await kill(BIN_CILO, ['destroy', name], ms);
      await composeGone(name);
      await check(`destroy killed after ${ms} ms`);
      if (Object.values(localEnvironments(state(c))).some((e) => e.name === name))
        assert.equal((await cilo(['destroy', name], { env: c.env })).exitCode, 0);
    }
    const created = uniqueName('crc');
    await kill(BIN_CILO, ['create', created, '--from', TINY], Math.min(ms, 400));
    await check(`create killed after ${ms} ms`);
  }
  // Nothing cilo made is left once every environment is destroyed.
  for (const e of Object.values(localEnvironments(state(c))))
    assert.equal((await cilo(['destroy', e.name], { env: c.env })).exitCode, 0);
});

// ---------------------------------------------------------------------------------------------------
// Bad input: a clear error, a non-zero exit, no stack trace, and nothing changed.

interface Snapshot {
  state: string | undefined;
  files: string;
  docker: string;
}

function listFiles(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    const st = statSync(p);
    return st.isDirectory() ? listFiles(p, `${prefix}${f}/`) : [`${prefix}${f}:${st.size}:${st.mtimeMs}`];
  });
}

/** Environment names the bad-input cases use; Docker objects are compared for these only (other tests run beside). */
const CASE_NAMES = ['bad', 'okname'];

function snapshot(c: CiloEnv): Snapshot {
  const file = join(c.home, 'state.json');
  return {
    state: existsSync(file) ? readFileSync(file, 'utf8') : undefined,
    // Lock files are created empty on first use and carry no state; cache/ holds answers keyed by the bytes
    // they came from (lib/state/cache.ts), which a command may learn before it fails.
    files: listFiles(c.home)
      .filter((f) => !/\.lock:/.test(f) && !f.startsWith('cache/'))
      .sort()
      .join('\n'),
    docker: CASE_NAMES.flatMap((n) => [
      ...dockerLines(['ps', '-aq', '--filter', `label=com.docker.compose.project=${n}`]),
      ...dockerLines(['network', 'ls', '-q', '--filter', `label=cilo.env=${n}`]),
      ...dockerLines(['network', 'ls', '-q', '--filter', `name=^cilo-${n}$`]),
    ])
      .sort()
      .join(','),
  };
}

function project(t: Parameters<typeof tempDir>[0], files: Record<string, string>): string {
  const dir = join(tempDir(t), 'proj');
  mkdirSync(dir);
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return dir;
}

function fakeBin(t: Parameters<typeof tempDir>[0], tools: Record<string, string>, keep: string[]): string {
  const dir = join(tempDir(t), 'bin');
  mkdirSync(dir);
  for (const tool of keep)
    symlinkSync(execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), join(dir, tool));
  for (const [name, script] of Object.entries(tools))
    writeFileSync(join(dir, name), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  return dir;
}

const SVC = 'services:\n  app:\n    image: cilo-fixture:busybox\n    command: ["sleep", "1"]\n';

interface Case {
  name: string;
  run: (t: any, c: CiloEnv) => Promise<{ exitCode: number | undefined; stderr: string }>;
  expect: RegExp;
  code?: number;
  setup?: (c: CiloEnv) => void | Promise<void>;
}

const cases: Case[] = [
  {
    name: 'malformed YAML names file:line:col',
    run: (t, c) =>
      ciloCompose(['-p', 'bad', 'up', '-d'], {
        cwd: project(t, { 'compose.yaml': `x-cilo: {}\n${SVC}    ports: [8080:80\n` }),
        env: c.env,
      }),
    expect: /compose\.yaml:\d+:\d+: invalid YAML/,
  },
  {
    name: 'multi-document YAML',
    run: (t, c) =>
      ciloCompose(['-p', 'bad', 'up', '-d'], {
        cwd: project(t, { 'compose.yaml': `x-cilo: {}\n${SVC}---\nservices: {}\n` }),
        env: c.env,
      }),
    expect: /single YAML document/,
  },
  {
    name: 'x-cilo unknown key',
    run: (t, c) =>
      ciloCompose(['-p', 'bad', 'up', '-d'], {
        cwd: project(t, { 'compose.yaml': `x-cilo:\n  create-shard: true\n${SVC}` }),
        env: c.env,
      }),
    expect: /compose\.yaml:2:3: x-cilo\.create-shard is not a known key/,
  },
  {
    name: 'x-cilo wrong type',
    run: (t, c) =>
      ciloCompose(['-p', 'bad', 'up', '-d'], {
        cwd: project(t, { 'compose.yaml': `x-cilo:\n  shared-networks: cilo-shared-db\n${SVC}` }),
        env: c.env,
      }),
    expect: /x-cilo\.shared-networks must be a list of network names/,
  },
  ...['Upper', 'under_score', '../x', 'a/b', 'x'.repeat(64), '', 'a;touch /tmp/cilo-pwned', '$(id)'].map(
    (bad): Case => ({
      name: `invalid environment name ${JSON.stringify(bad.length > 20 ? bad.slice(0, 8) + '…' : bad)}`,
      run: (_t, c) => cilo(['create', bad, '--from', TINY], { env: c.env }),
      expect: /invalid environment name/,
      code: 2,
    }),
  ),
  {
    name: 'invalid project name',
    run: (_t, c) => cilo(['create', 'okname', '--from', TINY, '--project', 'My_Shop'], { env: c.env }),
    expect: /invalid project name "My_Shop".*\n.*"my-shop"/,
    code: 2,
  },
  {
    name: '--from that does not exist',
    run: (_t, c) => cilo(['create', 'okname', '--from', '/nonexistent/dir'], { env: c.env }),
    expect: /no such directory/,
  },
  {
    name: '--from without a compose file',
    run: (t, c) => cilo(['create', 'okname', '--from', tempDir(t)], { env: c.env }),
    expect: /no compose file in/,
  },
  {
    name: 'missing shared network',
    run: (_t, c) =>
      cilo(['create', 'okname', '--from', TINY, '--shared-network', 'cilo-shared-nowhere'], { env: c.env }),
    expect: /shared network cilo-shared-nowhere does not exist: no cilo environment publishes it/,
  },
  {
    name: 'corrupt state file',
    setup: (c) => {
      mkdirSync(c.home, { recursive: true });
      writeFileSync(join(c.home, 'state.json'), '{"version": 2, "hosts": ');
    },
    run: (_t, c) => cilo(['create', 'okname', '--from', TINY], { env: c.env }),
    expect: /state file .*state\.json is not valid JSON/,
  },
  {
    name: 'future-version state file',
    setup: (c) => {
      mkdirSync(c.home, { recursive: true });
      writeFileSync(join(c.home, 'state.json'), '{"version": 9, "hosts": {}}\n');
    },
    run: (_t, c) => ciloCompose(['-p', 'okname', 'up', '-d'], { cwd: TINY, env: c.env }),
    expect: /state file .*state\.json has version 9, newer than this cilo supports/,
  },
  {
    name: 'unreachable Docker daemon',
    run: (_t, c) => cilo(['create', 'okname', '--from', TINY], { env: { ...c.env, DOCKER_HOST: 'tcp://127.0.0.1:9' } }),
    expect: /the Docker engine tcp:\/\/127\.0\.0\.1:9 does not answer: .*(refused|connect)/,
  },
  {
    // The environment is registered (state written) on an engine that no longer answers; `up` goes there
    // (whatever DOCKER_HOST says) and must not touch the state, not even updated_at.
    name: 'unreachable Docker daemon at up',
    setup: async (c) => {
      const r = await cilo(['create', 'okname', '--from', TINY], { env: c.env });
      assert.equal(r.exitCode, 0, r.stderr);
      const s = JSON.parse(readFileSync(join(c.home, 'state.json'), 'utf8'));
      const gone = 'unix:///nonexistent/docker.sock';
      s.hosts[gone] = { engine: { docker_host: gone }, environments: s.hosts.local.environments };
      s.hosts.local.environments = {};
      writeFileSync(join(c.home, 'state.json'), JSON.stringify(s));
    },
    run: (_t, c) => cilo(['up', 'okname'], { env: c.env }),
    expect: /the Docker engine unix:\/\/\/nonexistent\/docker\.sock does not answer: Cannot connect/,
  },
  {
    name: 'a bad setting',
    run: (_t, c) => cilo(['create', 'okname', '--from', TINY], { env: { ...c.env, CILO_SUBNET_POOL: 'banana' } }),
    expect: /CILO_SUBNET_POOL="banana" is not an IPv4 network in CIDR form/,
  },
  {
    name: 'a pinned address cilo cannot move',
    run: (t, c) =>
      ciloCompose(['-p', 'okname', 'up', '-d'], {
        cwd: project(t, {
          'compose.yaml': `x-cilo: {}\n${SVC}    networks:\n      back:\n        ipv4_address: 10.9.0.5\nnetworks:\n  back: {}\n`,
        }),
        env: c.env,
      }),
    expect: /service app pins ipv4_address 10\.9\.0\.5 on network back, whose subnet the files do not pin/,
  },
  {
    name: 'Compose missing',
    run: (t, c) =>
      cilo(['create', 'okname', '--from', TINY], {
        env: {
          ...c.env,
          PATH: fakeBin(t, { docker: 'echo "docker: \'compose\' is not a docker command." >&2; exit 1' }, ['node']),
        },
      }),
    expect: /compose/i,
  },
  {
    name: 'Compose too old',
    run: (t, c) =>
      ciloCompose(['-p', 'okname', 'up', '-d'], {
        cwd: TINY,
        env: {
          ...c.env,
          PATH: fakeBin(
            t,
            {
              docker: `if [ "$2" = version ]; then echo 2.20.3; exit 0; fi; exec ${execFileSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' }).trim()} "$@"`,
            },
            ['node'],
          ),
        },
      }),
    expect: /Docker Compose 2\.20\.3 is too old: cilo needs 2\.24 or newer/,
  },
  {
    // Not on PATH, and not where the system keeps it either (cilo looks in the sbin directories too): each
    // copy there is hidden in a mount namespace of this command's own (root: the suite's rig).
    name: 'dnsmasq missing',
    run: (t, c) => {
      const [unshare, mount] = ['unshare', 'mount'].map((p) =>
        execFileSync('sh', ['-c', `command -v ${p}`], { encoding: 'utf8' }).trim(),
      );
      const hide = `for d in /usr/local/sbin /usr/sbin /sbin /opt/homebrew/bin /opt/homebrew/sbin; do [ -e "$d/dnsmasq" ] && ${mount} --bind /dev/null "$d/dnsmasq"; done; exec "$0" dns start`;
      const env = { ...c.env, PATH: fakeBin(t, {}, ['node', 'docker']) };
      const r = spawnSync(unshare!, ['--mount', '/bin/sh', '-c', hide, BIN_CILO], { env, encoding: 'utf8' });
      return Promise.resolve({ exitCode: r.status ?? undefined, stderr: r.stderr });
    },
    expect: /'dnsmasq' was not found on PATH/,
  },
  {
    name: 'DNS port taken',
    run: async (_t, c) => {
      const sock = createSocket('udp4');
      await new Promise<void>((r) => sock.bind(Number(c.env.CILO_DNS_PORT), '127.0.0.1', () => r()));
      try {
        return await cilo(['dns', 'start'], { env: c.env });
      } finally {
        sock.close();
      }
    },
    expect: /port \d+ on 127\.0\.0\.1 is already in use/,
  },
  {
    name: 'subnet pool exhausted',
    setup: async (c) => {
      Object.assign(c.env, { CILO_SUBNET_POOL: '10.226.7.0/24', CILO_SUBNET_PREFIX: '24' });
      const first = await cilo(['create', uniqueName('ex'), '--from', TINY], { env: c.env });
      assert.equal(first.exitCode, 0, first.stderr);
    },
    run: (_t, c) => cilo(['create', uniqueName('ex'), '--from', TINY], { env: c.env }),
    expect: /subnet pool 10\.226\.7\.0\/24 has no free \/24 left/,
  },
  {
    name: 'held lock past its timeout',
    run: async (t, c) => {
      mkdirSync(c.home, { recursive: true });
      // Returns once flock holds the lock (it says so); killed with the test.
      await flockHolder(t, join(c.home, 'state.lock'), 60);
      return cilo(['create', 'okname', '--from', TINY], { env: { ...c.env, CILO_LOCK_TIMEOUT: '1' } });
    },
    expect: /timed out waiting for the lock .*state\.lock: held by another process for 1\.\d s/,
  },
];

for (const k of cases) {
  test(`bad input: ${k.name}`, async (t) => {
    if (!requireDocker(t)) return;
    const c = await ciloEnv(t, { CILO_DNS: 'off' });
    await k.setup?.(c);
    const before = snapshot(c);
    const r = await k.run(t, c);
    assert.notEqual(r.exitCode, 0, `exit code: ${r.stderr}`);
    if (k.code !== undefined) assert.equal(r.exitCode, k.code);
    assert.match(r.stderr, k.expect);
    assert.match(r.stderr, /^cilo: error: /m);
    assert.doesNotMatch(r.stderr, /\n\s+at .*:\d+:\d+/, 'no stack trace');
    assert.ok(!existsSync('/tmp/cilo-pwned'));
    const after = snapshot(c);
    assert.equal(after.state, before.state, 'state bytes unchanged');
    assert.equal(after.files, before.files, 'files under CILO_HOME unchanged');
    assert.equal(after.docker, before.docker, 'Docker objects unchanged');
  });
}
