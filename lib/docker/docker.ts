// Typed access to the docker CLI. All Docker and Compose invocations go through here; what they answer is
// read by objects.ts.
import { EngineUnreachableError, UserError } from '../errors/index.js';
import {
  ENGINE_UNREACHABLE,
  COMPOSE_ONEOFF_LABEL,
  COMPOSE_SERVICE_LABEL,
  parseContainer,
  parseEngineInfo,
  parseHostPorts,
  parseNetwork,
  containerFromList,
  missingOnly,
  type ApiContainer,
  type ContainerInfo,
  type CreateNetwork,
  type EngineInfo,
  type NetworkInfo,
} from './objects.js';
import { ApiError, SocketError, type EngineApi } from './api.js';
import { processRunner, type ProcessRunner, type RunOptions, type RunResult } from './process.js';
import { askComposeVersion, type ComposeVersionCache } from './compose-version.js';

export class Docker {
  private composeVersionPromise?: Promise<string>;
  private socketKnown?: boolean;

  /** `engine`: the name of the engine `env` points at, for messages. */
  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly runner: ProcessRunner = processRunner,
    readonly engine = 'local',
    private readonly versions?: ComposeVersionCache,
    private readonly api?: EngineApi,
  ) {}

  /**
   * Whether the engine is on this machine (reached through a local socket): the ports it publishes are this
   * host's. Without the API (tests' fake engines): unless DOCKER_HOST names another machine.
   */
  isLocal(): boolean {
    return this.api ? this.api.socket(this.env) !== undefined : !/^(tcp|ssh|npipe):/.test(this.env.DOCKER_HOST ?? '');
  }

  /** The same client pointed at another engine (`env` reaches it, `engine` names it). */
  forEngine(env: NodeJS.ProcessEnv, engine: string): Docker {
    return new Docker(env, this.runner, engine, this.versions, this.api);
  }

  /** The same client running its processes with `runner` (cilo mcp: nothing on the terminal). */
  withRunner(runner: ProcessRunner): Docker {
    return new Docker(this.env, runner, this.engine, this.versions, this.api);
  }

  /** `docker FROM | docker TO`, e.g. a `docker cp` out of one container into another (no file between). */
  pipe(from: readonly string[], to: readonly string[]) {
    return this.runner.pipe({ cmd: 'docker', args: from }, { cmd: 'docker', args: to }, { env: this.env });
  }

  /** `docker ARGS` captured; "daemon unreachable", or no end within `timeoutMs`: an EngineUnreachableError. */
  async run(args: readonly string[], opts: Pick<RunOptions, 'cwd' | 'input' | 'timeoutMs'> = {}): Promise<RunResult> {
    const r = await this.runChecked(args, opts);
    if (!r.timedOut) return r;
    throw new EngineUnreachableError(this.engine, this.where(), `no answer within ${(opts.timeoutMs ?? 0) / 1000} s`);
  }

  private async runChecked(args: readonly string[], opts: RunOptions): Promise<RunResult> {
    const r = await this.runner.run('docker', args, { env: this.env, ...opts });
    if (r.code !== 0 && ENGINE_UNREACHABLE.test(r.stderr))
      throw new EngineUnreachableError(this.engine, this.where(), firstLine(r.stderr));
    return r;
  }

  private where(): string {
    const { DOCKER_HOST: host, DOCKER_CONTEXT: context } = this.env;
    return host ? `DOCKER_HOST=${host}` : context ? `context ${context}` : 'the default socket';
  }

  /**
   * Who the engine is (`/info`): its ID, platform, swarm membership. Through its API when it is on a local
   * socket (api.ts), else `docker info`. `timeoutMs` bounds an engine that does not answer.
   */
  async engineInfo(timeoutMs?: number): Promise<EngineInfo> {
    const raw = await this.viaApi('/info', timeoutMs);
    if (raw !== undefined) return parseEngineInfo(raw);
    const what = `asking engine ${this.engine} who it is (docker info)`;
    return parseEngineInfo(JSON.parse(await this.check(['info', '--format', '{{json .}}'], what, { timeoutMs })));
  }

  /**
   * `GET path` of the engine's API when it is on a local socket (undefined: ask the CLI). Errors by kind: no
   * answer is an EngineUnreachableError; an answer with an error status, a UserError with the engine's
   * message, or MISSING for a 404 when the caller asks (`missing`).
   */
  private async viaApi(path: string, timeoutMs?: number, missing = false): Promise<unknown> {
    try {
      return await this.api?.get(this.env, path, timeoutMs);
    } catch (e) {
      if (e instanceof SocketError) throw new EngineUnreachableError(this.engine, this.where(), e.message);
      if (e instanceof ApiError && e.status === 404 && missing) return MISSING;
      if (e instanceof ApiError) throw new UserError(`engine ${this.engine}: ${e.message}`);
      throw e;
    }
  }

  /** Whether this client asks the engine's API (a local socket) rather than the docker CLI: decided once. */
  private get onSocket(): boolean {
    this.socketKnown ??= this.api?.socket(this.env) !== undefined;
    return this.socketKnown;
  }

  /** The API's container list (`all`: stopped ones too) of these label filters; undefined: ask the CLI. */
  private async apiContainers(labels: readonly string[], all: boolean): Promise<ApiContainer[] | undefined> {
    const filters = labels.length > 0 ? `&filters=${encodeURIComponent(JSON.stringify({ label: labels }))}` : '';
    return (await this.viaApi(`/containers/json?all=${all ? 1 : 0}${filters}`)) as ApiContainer[] | undefined;
  }

  /** Like run, but a non-zero exit becomes a UserError quoting Docker's message. */
  async check(args: readonly string[], what: string, opts: Parameters<Docker['run']>[1] = {}): Promise<string> {
    const r = await this.run(args, opts);
    if (r.code !== 0) throw new UserError(`${what} failed: ${r.stderr.trim() || `docker exited with ${r.code}`}`);
    return r.stdout;
  }

  /** The Compose version: asked once per process, and once per Compose binary when a cache is given. */
  composeVersion(): Promise<string> {
    this.composeVersionPromise ??= askComposeVersion((args) => this.run(args), this.versions);
    return this.composeVersionPromise;
  }

  /** The network of this name or ID; undefined when the engine has none (its API's 404, or the CLI's words). */
  async inspectNetwork(name: string): Promise<NetworkInfo | undefined> {
    return (await this.inspectNetworks([name]))[0];
  }

  /**
   * All networks (with `label`, those that carry it), or those `keep` accepts by name: a list, then only the
   * kept ones inspected, which keeps a command's cost flat among hundreds of networks.
   */
  async listNetworks(keep: (name: string) => boolean = () => true, label?: string): Promise<NetworkInfo[]> {
    let listed: { id: string; name: string }[];
    if (this.onSocket) {
      const filters = label ? `?filters=${encodeURIComponent(JSON.stringify({ label: [label] }))}` : '';
      const answer = (await this.viaApi(`/networks${filters}`)) as { Id: string; Name: string }[];
      listed = answer.map((n) => ({ id: n.Id, name: n.Name }));
    } else {
      const filter = label ? ['--filter', `label=${label}`] : [];
      const ls = await this.check(
        ['network', 'ls', '--no-trunc', ...filter, '--format', '{{.ID}}\t{{.Name}}'],
        'listing Docker networks',
      );
      listed = ls
        .split('\n')
        .filter(Boolean)
        .map((l) => ({ id: l.split('\t')[0]!, name: l.split('\t')[1] ?? '' }));
    }
    // The list does not name a network's containers: each kept one is inspected.
    return this.inspectNetworks(listed.filter((n) => keep(n.name)).map((n) => n.id));
  }

  async createNetwork(o: CreateNetwork): Promise<RunResult> {
    const args = ['network', 'create', '--driver', o.driver ?? 'bridge', '--subnet', o.subnet];
    if (o.gateway) args.push('--gateway', o.gateway);
    if (o.ipRange) args.push('--ip-range', o.ipRange);
    for (const [k, v] of Object.entries(o.auxAddresses ?? {})) args.push('--aux-address', `${k}=${v}`);
    if (o.internal) args.push('--internal');
    if (o.attachable) args.push('--attachable');
    for (const [k, v] of Object.entries(o.options ?? {})) args.push('--opt', `${k}=${v}`);
    for (const [k, v] of Object.entries(o.labels)) args.push('--label', `${k}=${v}`);
    args.push(o.name);
    return this.run(args);
  }

  /**
   * `docker network rm`. Right after its last container is removed, the engine can still report the network
   * as having "active endpoints" for a moment (moby/moby#42119): retried a few times, 300 ms apart.
   */
  async removeNetwork(nameOrId: string): Promise<RunResult> {
    for (let attempt = 1; ; attempt++) {
      const r = await this.run(['network', 'rm', nameOrId]);
      if (r.code === 0 || attempt === 4 || !/active endpoints/.test(r.stderr)) return r;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }

  async connect(network: string, container: string): Promise<void> {
    await this.check(['network', 'connect', network, container], `connecting ${container.slice(0, 12)} to ${network}`);
  }

  async disconnect(network: string, container: string): Promise<RunResult> {
    return this.run(['network', 'disconnect', '--force', network, container]);
  }

  /** Containers (running or not) matching every `key=value` label filter. */
  async listContainers(labelFilters: readonly string[]): Promise<ContainerInfo[]> {
    const listed = await this.apiContainers(labelFilters, true);
    if (listed) return listed.map(containerFromList);
    const args = ['ps', '-a', '-q', '--no-trunc'];
    for (const f of labelFilters) args.push('--filter', `label=${f}`);
    const ids = (await this.check(args, 'listing containers')).split('\n').filter(Boolean);
    if (ids.length === 0) return [];
    const r = await this.run(['inspect', '--format', '{{json .}}', ...ids]);
    return missingOnly(r, 'docker inspect').split('\n').filter(Boolean).map(parseContainer);
  }

  /**
   * Containers of a filter with their service label and run state, without their networks: one `ps`.
   * Pair with inspectNetworks for addresses (faster than `ps` + `inspect` one after the other).
   */
  async containerStates(
    labelFilter: string,
  ): Promise<{ id: string; running: boolean; service: string; oneOff: boolean }[]> {
    const listed = await this.apiContainers([labelFilter], true);
    if (listed)
      return listed.map((c) => ({
        id: c.Id,
        running: c.State === 'running',
        service: c.Labels?.[COMPOSE_SERVICE_LABEL] ?? '',
        oneOff: c.Labels?.[COMPOSE_ONEOFF_LABEL] === 'True',
      }));
    const format = `{{.ID}}\t{{.State}}\t{{.Label "${COMPOSE_SERVICE_LABEL}"}}\t{{.Label "${COMPOSE_ONEOFF_LABEL}"}}`;
    const out = await this.check(
      ['ps', '-a', '--no-trunc', '--filter', `label=${labelFilter}`, '--format', format],
      'listing containers',
    );
    return out
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [id, state, service, oneOff] = line.split('\t');
        return { id: id!, running: state === 'running', service: service ?? '', oneOff: oneOff === 'True' };
      });
  }

  /** Host ports the running containers publish, each container's with its value of label `label`. */
  async publishedPorts(label: string): Promise<{ label: string; ports: number[] }[]> {
    const listed = await this.apiContainers([], false);
    if (listed)
      return listed.map((c) => ({
        label: c.Labels?.[label] ?? '',
        ports: (c.Ports ?? []).flatMap((p) => (p.PublicPort ? [p.PublicPort] : [])),
      }));
    const out = await this.check(['ps', '--format', `{{.Label "${label}"}}\t{{.Ports}}`], 'listing published ports');
    return out
      .split('\n')
      .filter(Boolean)
      .map((line) => ({ label: line.split('\t')[0] ?? '', ports: parseHostPorts(line.split('\t')[1] ?? '') }));
  }

  /**
   * The networks of these names or IDs that exist, missing ones left out (one removed meanwhile, too): over
   * the API one request each, by status code; through the CLI one `inspect`, which prints the others and
   * exits 1 when one is missing, so its exit is read with missingOnly.
   */
  async inspectNetworks(names: readonly string[]): Promise<NetworkInfo[]> {
    if (names.length === 0) return [];
    if (this.onSocket) {
      const answers: unknown[] = [];
      // 16 requests at a time: hundreds at once would queue on the engine's socket anyway.
      for (let i = 0; i < names.length; i += 16)
        answers.push(
          ...(await Promise.all(
            names.slice(i, i + 16).map((n) => this.viaApi(`/networks/${encodeURIComponent(n)}`, undefined, true)),
          )),
        );
      return answers.filter((a) => a !== MISSING).map((a) => parseNetwork(a as object));
    }
    const r = await this.run(['network', 'inspect', '--format', '{{json .}}', ...names]);
    return missingOnly(r, 'docker network inspect').split('\n').filter(Boolean).map(parseNetwork);
  }

  async removeContainers(ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await this.check(['rm', '-f', '-v', ...ids], 'removing containers');
  }

  /** `docker compose ARGS` with captured output. */
  /** `timeoutMs` here bounds the command (a service's `exec`), not the engine: past it, the result says `timedOut`. */
  compose(args: readonly string[], opts: Omit<RunOptions, 'env'> = {}): Promise<RunResult> {
    return this.runChecked(['compose', ...args], opts);
  }

  /** `docker compose ARGS` on the terminal, exec-like (see process.ts); `input`: its stdin instead. */
  composeExec(args: readonly string[], opts: { cwd?: string; input?: string } = {}) {
    return this.runner.exec('docker', ['compose', ...args], { env: this.env, ...opts });
  }
}

/** A 404 of the API, where the caller asked for it instead of an error. */
const MISSING = Symbol('missing');

function firstLine(s: string): string {
  return s.trim().split('\n')[0] ?? '';
}
