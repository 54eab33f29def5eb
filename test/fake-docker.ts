// The engine client over an engine in memory (test/fakes.ts FakeEngine): the typed questions the core asks
// (who the engine is, its networks and containers, creating and removing them) answered from the engine's
// maps, so a test of the core does not depend on how the client spells its requests (issue 28). What the
// core runs as `docker` command lines of its own (`run`, `check`, Compose) still goes to the engine's runner.
import { Docker } from '../lib/docker/docker.ts';
import {
  parseEngineInfo,
  parseNetwork,
  parseContainer,
  type ContainerInfo,
  type CreateNetwork,
  type EngineInfo,
  type NetworkInfo,
} from '../lib/docker/objects.ts';
import type { ProcessRunner } from '../lib/docker/process.ts';
import type { ContainerMounts, VolumeInfo } from '../lib/docker/volumes.ts';
import { EngineRefusedError, type ContainerSpec, type Refusal } from '../lib/docker/writes.ts';
import { EngineUnreachableError } from '../lib/errors/index.ts';
import type { FakeEngine, FakeNetwork } from './fakes.ts';

/** Whether labels pass a `key` or `key=value` filter (docker's `--filter label=`). */
export const labelMatch = (labels: Record<string, string>, filter: string) => {
  const kv = filter.replace(/^label=/, '');
  const eq = kv.indexOf('=');
  return eq === -1 ? kv in labels : labels[kv.slice(0, eq)] === kv.slice(eq + 1);
};
const refused = (kind: Refusal, message: string) => new EngineRefusedError(kind, 'the fake engine', message);

export class FakeDocker extends Docker {
  constructor(
    private readonly root: FakeEngine,
    private readonly fakeEnv: NodeJS.ProcessEnv,
    private readonly fakeRunner: ProcessRunner,
    engine = 'local',
  ) {
    super(fakeEnv, fakeRunner, engine);
  }

  /** The engine this client reaches: the root one, or one of its `others` by DOCKER_HOST (null: down). */
  private target(what: string): FakeEngine {
    this.root.asked.push(what);
    const host = this.fakeEnv.DOCKER_HOST;
    const other = host ? this.root.others[host] : undefined;
    if (other === null || (!host && this.root.down))
      throw new EngineUnreachableError(
        this.engine,
        host ? `DOCKER_HOST=${host}` : 'the default socket',
        `Cannot connect to the Docker daemon at ${host ?? 'unix:///var/run/docker.sock'}`,
      );
    return other ?? this.root;
  }

  override forEngine(env: NodeJS.ProcessEnv, engine: string): Docker {
    return new FakeDocker(this.root, env, this.fakeRunner, engine);
  }

  override withRunner(runner: ProcessRunner): Docker {
    return new FakeDocker(this.root, this.fakeEnv, runner, this.engine);
  }

  override async engineInfo(): Promise<EngineInfo> {
    return parseEngineInfo(this.target('engineInfo').rawInfo());
  }

  override async composeVersion(): Promise<string> {
    return this.target('composeVersion').composeVersion;
  }

  override async inspectNetwork(name: string): Promise<NetworkInfo | undefined> {
    return (await this.inspectNetworks([name]))[0];
  }

  override async inspectNetworks(names: readonly string[]): Promise<NetworkInfo[]> {
    if (names.length === 0) return [];
    const e = this.target(`inspectNetworks ${names.join(' ')}`);
    return this.describe(names.flatMap((n) => e.network(n) ?? []));
  }

  override async listNetworks(keep: (name: string) => boolean = () => true, label?: string): Promise<NetworkInfo[]> {
    const e = this.target(`listNetworks${label ? ` ${label}` : ''}`);
    return this.describe(e.networks.filter((n) => keep(n.Name) && (!label || labelMatch(n.Labels, label))));
  }

  override async createNetwork(o: CreateNetwork): Promise<void> {
    const e = this.target(`createNetwork ${o.name} ${o.subnet}`);
    if (e.network(o.name)) throw refused('exists', `network with name ${o.name} already exists`);
    e.addNetwork(o.name, o.subnet, { ...o.labels }, o.driver === 'overlay' ? 'swarm' : 'local');
  }

  override async removeNetwork(nameOrId: string): Promise<void> {
    const e = this.target(`removeNetwork ${nameOrId}`);
    const n = e.network(nameOrId);
    if (!n) return;
    if (Object.keys(n.Containers).length > 0)
      throw refused('in-use', `network ${n.Name} id ${n.Id} has active endpoints`);
    e.networks = e.networks.filter((x) => x !== n);
  }

  override async connect(network: string, container: string): Promise<void> {
    this.target(`connect ${network} ${container}`);
  }

  override async disconnect(network: string, container: string): Promise<void> {
    const n = this.target(`disconnect ${network} ${container}`).network(network);
    if (n) delete n.Containers[container];
  }

  override async listContainers(labelFilters: readonly string[]): Promise<ContainerInfo[]> {
    return this.matching(`listContainers ${labelFilters.join(' ')}`, labelFilters).map((c) =>
      parseContainer(JSON.stringify(c)),
    );
  }

  override async containerStates(labelFilter: string) {
    return this.matching(`containerStates ${labelFilter}`, [labelFilter]).map((c) => ({
      id: c.Id,
      running: c.State.Running,
      service: c.Config.Labels['com.docker.compose.service'] ?? '',
      oneOff: c.Config.Labels['com.docker.compose.oneoff'] === 'True',
    }));
  }

  override async publishedPorts(): Promise<{ label: string; ports: number[] }[]> {
    this.target('publishedPorts');
    return [];
  }

  override async removeContainers(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const e = this.target(`removeContainers ${ids.join(' ')}`);
    e.containers = e.containers.filter((c) => !ids.includes(c.Id));
    for (const n of e.networks) for (const id of ids) delete n.Containers[id];
  }

  /** The engine in memory has no volumes. */
  override async projectVolumes(project: string): Promise<VolumeInfo[]> {
    this.target(`projectVolumes ${project}`);
    return [];
  }

  override async projectMounts(project: string): Promise<ContainerMounts[]> {
    return this.matching(`projectMounts ${project}`, [`com.docker.compose.project=${project}`]).map((c) => ({
      id: c.Id,
      service: c.Config.Labels['com.docker.compose.service'] ?? '',
      image: 'fake',
      running: c.State.Running,
      paused: false,
      mounts: [],
    }));
  }

  override async createVolume(v: VolumeInfo): Promise<void> {
    this.target(`createVolume ${v.name}`);
  }

  override async createContainer(spec: ContainerSpec): Promise<string> {
    const e = this.target(`createContainer ${spec.name}`);
    if (e.containers.some((c) => c.Name === `/${spec.name}`))
      throw refused('exists', `Conflict. The container name "/${spec.name}" is already in use`);
    return e.addContainer(spec.name, { ...spec.labels }, {}, false).Id;
  }

  override async startContainer(id: string): Promise<void> {
    const c = this.target(`startContainer ${id}`).containers.find((x) => x.Id === id || x.Name === `/${id}`);
    if (!c) throw refused('missing', `No such container: ${id}`);
    c.State.Running = true;
  }

  override async removeVolumes(names: readonly string[]): Promise<void> {
    if (names.length > 0) this.target(`removeVolumes ${names.join(' ')}`);
  }

  override async pause(ids: readonly string[], pause = true): Promise<void> {
    if (ids.length > 0) this.target(`${pause ? 'pause' : 'unpause'} ${ids.join(' ')}`);
  }

  /** Networks as the engine describes them (what costs per network on a real one: `described`). */
  private describe(networks: readonly FakeNetwork[]): NetworkInfo[] {
    this.root.described.push(...networks.map((n) => n.Name));
    return networks.map((n) => parseNetwork(structuredClone(n)));
  }

  private matching(what: string, filters: readonly string[]) {
    return this.target(what).containers.filter((c) => filters.every((f) => labelMatch(c.Config.Labels, f)));
  }
}
