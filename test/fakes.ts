// Fakes for unit tests of pure logic and of the core's orchestration: an injected process runner that
// answers `docker ...` from a table, and a small in-memory engine behind it (networks and containers with
// the fields cilo reads). Integration tests never use these: they run the real engine (test/integration).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import {
  normalizeNetwork,
  normalizeService,
  normalizeVolume,
  withDefaultNetwork,
  type ProjectModel,
} from '../lib/compose/model.ts';
import { createContext, type Context } from '../lib/context.ts';
import type { Environment } from '../lib/state/schema.ts';
import type { ExecResult, ProcessRunner, RunResult } from '../lib/docker/process.ts';
import { parseSettings, type Settings } from '../lib/settings.ts';
import { tempDir } from './helpers.ts';
import { FakeDocker, labelMatch } from './fake-docker.ts';

/** A runner that answers `docker ARGS` from a function (given the environment too) and records the calls. */
export function fakeRunner(
  answer: (args: readonly string[], env: NodeJS.ProcessEnv) => Partial<RunResult>,
  exec?: (args: readonly string[]) => ExecResult | Promise<ExecResult>,
) {
  const calls: string[][] = [];
  const runner: ProcessRunner = {
    async run(cmd, args, opts) {
      assert.equal(cmd, 'docker');
      calls.push([...args]);
      return { code: 0, signal: null, stdout: '', stderr: '', ...answer(args, opts?.env ?? {}) };
    },
    async exec(cmd, args) {
      assert.equal(cmd, 'docker');
      const strings = args.map(String);
      calls.push(strings);
      if (!exec) throw new Error(`exec not expected: ${strings.join(' ')}`);
      return exec(strings);
    },
    async pipe(from, to) {
      throw new Error(`pipe not expected: ${from.args.join(' ')} | ${to.args.join(' ')}`);
    },
  };
  return { runner, calls };
}

export interface FakeNetwork {
  Id: string;
  Name: string;
  Scope: string;
  Labels: Record<string, string>;
  IPAM: { Config: { Subnet: string }[] };
  Containers: Record<string, { Name: string; IPv4Address: string }>;
}

export interface FakeContainer {
  Id: string;
  Name: string;
  State: { Running: boolean };
  Config: { Labels: Record<string, string> };
  NetworkSettings: { Networks: Record<string, { IPAddress: string }> };
}

const filtersOf = (args: readonly string[]) => args.flatMap((a, i) => (args[i - 1] === '--filter' ? [a] : []));

/**
 * An engine in memory: the docker commands cilo's core runs, answered from `networks` and `containers`.
 * `composeConfig` answers `docker compose ... config --format json`; `onCompose` is the terminal run.
 */
export class FakeEngine {
  networks: FakeNetwork[] = [];
  containers: FakeContainer[] = [];
  composeConfig?: object;
  composeVersion = '2.26.1';
  /** What `docker info` says: the engine's ID and its swarm role. */
  info = {
    id: 'FAKE:ENGINE',
    architecture: 'x86_64',
    swarm: 'inactive',
    nodeId: '',
    manager: false,
    managers: [] as string[],
  };
  onCompose: (args: readonly string[]) => ExecResult | Promise<ExecResult> = () => ({ code: 0, signal: null });
  /** Other engines, by the DOCKER_HOST that reaches them (`null`: one that does not answer). */
  others: Record<string, FakeEngine | null> = {};
  /** An engine that does not answer: every question to it fails as a stopped daemon's would. */
  down = false;
  /** The client's typed calls, in order (e.g. `disconnect cilo-shared-db c3`), on whichever engine. */
  asked: string[] = [];
  /** The names of the networks whose description the client returned (each costs on a real engine). */
  described: string[] = [];
  private next = 1;
  readonly fake = fakeRunner(
    (args, env) => this.route(args, env),
    (args) => this.onCompose(args),
  );

  private route(args: readonly string[], env: NodeJS.ProcessEnv): Partial<RunResult> {
    const other = env.DOCKER_HOST ? this.others[env.DOCKER_HOST] : undefined;
    if (other === null || (!env.DOCKER_HOST && this.down))
      return {
        code: 1,
        stderr: `Cannot connect to the Docker daemon at ${env.DOCKER_HOST ?? 'unix:///var/run/docker.sock'}. Is the docker daemon running?\n`,
      };
    return (other ?? this).answer(args);
  }

  get calls(): string[][] {
    return this.fake.calls;
  }

  addNetwork(name: string, subnet: string, labels: Record<string, string> = {}, scope = 'local'): FakeNetwork {
    const n = {
      Id: `net${this.next++}`,
      Name: name,
      Scope: scope,
      Labels: labels,
      IPAM: { Config: subnet ? [{ Subnet: subnet }] : [] },
      Containers: {},
    };
    this.networks.push(n);
    return n;
  }

  addContainer(
    name: string,
    labels: Record<string, string>,
    networks: Record<string, string>,
    running = true,
  ): FakeContainer {
    const c = {
      Id: `c${this.next++}`,
      Name: `/${name}`,
      State: { Running: running },
      Config: { Labels: labels },
      NetworkSettings: { Networks: {} as Record<string, { IPAddress: string }> },
    };
    for (const [net, ip] of Object.entries(networks)) {
      c.NetworkSettings.Networks[net] = { IPAddress: ip };
      const n = this.networks.find((x) => x.Name === net);
      if (n) n.Containers[c.Id] = { Name: name, IPv4Address: `${ip}/24` };
    }
    this.containers.push(c);
    return c;
  }

  /** What the engine's `/info` says. */
  rawInfo() {
    const i = this.info;
    return {
      ID: i.id,
      Architecture: i.architecture,
      OperatingSystem: 'Debian GNU/Linux 12 (bookworm)',
      ServerVersion: '20.10.24',
      SecurityOptions: ['name=seccomp,profile=default'],
      Swarm: {
        LocalNodeState: i.swarm,
        NodeID: i.nodeId,
        ControlAvailable: i.manager,
        RemoteManagers: i.managers.map((m) => ({ NodeID: m })),
      },
    };
  }

  /** The engine client over this engine (and its `others`), as a context holds it. */
  client(env: NodeJS.ProcessEnv = {}): FakeDocker {
    return new FakeDocker(this, env, this.fake.runner);
  }

  network(ref: string) {
    return this.networks.find((n) => n.Name === ref || n.Id === ref);
  }

  answer(args: readonly string[]): Partial<RunResult> {
    const json = (xs: object[]) => ({ stdout: xs.map((x) => JSON.stringify(x)).join('\n') + (xs.length ? '\n' : '') });
    const [a0, a1] = args;
    if (a0 === 'compose' && args.includes('version')) return { stdout: `${this.composeVersion}\n` };
    if (a0 === 'compose' && args.includes('config'))
      return { stdout: JSON.stringify(this.composeConfig ?? { services: {} }) };
    if (a0 === 'compose') return {};
    if (a0 === 'info') return { stdout: JSON.stringify(this.rawInfo()) + '\n' };
    if (a0 === 'network' && a1 === 'ls') {
      const line = (n: FakeNetwork) => (args.includes('--format') ? `${n.Id}\t${n.Name}` : n.Id);
      return {
        stdout: this.networks
          .filter((n) => filtersOf(args).every((f) => labelMatch(n.Labels, f)))
          .map((n) => line(n) + '\n')
          .join(''),
      };
    }
    if (a0 === 'network' && a1 === 'inspect') {
      const refs = args.slice(4);
      const found = refs.map((r) => this.network(r)).filter((n): n is FakeNetwork => n !== undefined);
      return {
        ...json(found),
        ...(found.length < refs.length
          ? { code: 1, stderr: `Error: No such network: ${refs.find((r) => !this.network(r))}\n` }
          : {}),
      };
    }
    if (a0 === 'network' && a1 === 'create') {
      const labels = Object.fromEntries(
        filtersOf(args.map((x) => (x === '--label' ? '--filter' : x))).map((l) => l.split('=') as [string, string]),
      );
      this.addNetwork(args.at(-1)!, args[args.indexOf('--subnet') + 1]!, labels);
      return {};
    }
    if (a0 === 'network' && a1 === 'rm') {
      this.networks = this.networks.filter((n) => n !== this.network(args[2]!));
      return {};
    }
    if (a0 === 'network' && (a1 === 'connect' || a1 === 'disconnect')) return {};
    if (a0 === 'ps') {
      const matching = this.containers.filter((c) => filtersOf(args).every((f) => labelMatch(c.Config.Labels, f)));
      if (!args.includes('--format')) return { stdout: matching.map((c) => c.Id + '\n').join('') };
      const line = (c: FakeContainer) =>
        [
          c.Id,
          c.State.Running ? 'running' : 'exited',
          c.Config.Labels['com.docker.compose.service'] ?? '',
          c.Config.Labels['com.docker.compose.oneoff'] ?? '',
        ].join('\t');
      return { stdout: matching.map((c) => line(c) + '\n').join('') };
    }
    if (a0 === 'inspect') return json(this.containers.filter((c) => args.includes(c.Id)));
    if (a0 === 'rm') {
      this.containers = this.containers.filter((c) => !args.includes(c.Id));
      return {};
    }
    if (a0 === 'volume') return {};
    throw new Error(`the fake engine does not know: docker ${args.join(' ')}`);
  }
}

/** A context over a fake runner, with its own CILO_HOME (DNS off unless asked). */
export function fakeContext(
  t: TestContext,
  through: ProcessRunner | FakeEngine,
  over: { settings?: Partial<Settings>; cwd?: string } = {},
): Context & { logged: string[] } {
  const runner = through instanceof FakeEngine ? through.fake.runner : through;
  const dir = tempDir(t);
  const home = join(dir, 'home');
  mkdirSync(home, { mode: 0o700 });
  const logged: string[] = [];
  const ctx = createContext({
    cwd: over.cwd ?? dir,
    processEnv: { PATH: process.env.PATH },
    home,
    settings: { ...parseSettings({ CILO_DNS: 'off', CILO_ROUTER: 'off' }), ...over.settings },
    host: { platform: 'linux', uid: 1000, pid: 4242, user: 'tester', columns: undefined, userHome: dir },
    runner,
    log: { info: (m) => logged.push(`info: ${m}`), warn: (m) => logged.push(`warn: ${m}`) },
    writeStderr: (s) => logged.push(`stderr: ${s}`),
  });
  // An engine in memory is asked through its client: the core's typed questions, not docker's argv.
  if (through instanceof FakeEngine) ctx.docker = through.client();
  return Object.assign(ctx, { logged });
}

/** A project model from compose-file-like maps (services, networks, volumes), normalized as cilo reads files. */
export function projectModel(
  services: Record<string, object>,
  networks: Record<string, object> = {},
  volumes: Record<string, object> = {},
): ProjectModel {
  const s = Object.entries(services).map(([n, raw]) => normalizeService(n, raw as Record<string, unknown>));
  return {
    services: s,
    networks: withDefaultNetwork(
      s,
      Object.entries(networks).map(([k, n]) => normalizeNetwork(k, n)),
    ),
    volumes: Object.entries(volumes).map(([k, v]) => normalizeVolume(k, v)),
  };
}

/** An environment record as cilo writes one: running, no services, on 10.224.0.0/24, unless `over` says. */
export function envRecord(name: string, over: Partial<Environment> = {}): Environment {
  return {
    name,
    project: 'p',
    created_at: '',
    subnet: '10.224.0.0/24',
    status: 'running',
    source: '/src',
    services: {},
    shared_networks: [],
    ...over,
  };
}
