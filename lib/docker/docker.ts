// The engine's objects, typed: who the engine is, its networks and containers, and the changes cilo makes to
// them (writes.ts describes each). Over the transport of transport.ts; answers are read by objects.ts.
import {
  COMPOSE_ONEOFF_LABEL,
  COMPOSE_PROJECT_LABEL,
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
import {
  containerCreate,
  containerStart,
  containersPause,
  containersRemove,
  EngineRefusedError,
  networkConnect,
  networkCreate,
  networkDisconnect,
  networkRemove,
  volumeCreate,
  volumesRemove,
  type ContainerSpec,
} from './writes.js';
import type { ProcessRunner } from './process.js';
import { parseMounts, parseVolume, type ContainerMounts, type VolumeInfo } from './volumes.js';
import { MISSING, Transport } from './transport.js';

/** An API query's `filters` of these labels (`key` or `key=value`), as the engine reads it. */
const filtersOf = (labels: readonly string[]) => encodeURIComponent(JSON.stringify({ label: labels }));

export class Docker extends Transport {
  /** The same client pointed at another engine (`env` reaches it, `engine` names it). */
  forEngine(env: NodeJS.ProcessEnv, engine: string): Docker {
    return new Docker(env, this.runner, engine, this.versions, this.api);
  }

  /** The same client running its processes with `runner` (cilo mcp: nothing on the terminal). */
  withRunner(runner: ProcessRunner): Docker {
    return new Docker(this.env, runner, this.engine, this.versions, this.api);
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

  /** The API's container list (`all`: stopped ones too) of these label filters; undefined: ask the CLI. */
  private async apiContainers(labels: readonly string[], all: boolean): Promise<ApiContainer[] | undefined> {
    const filters = labels.length > 0 ? `&filters=${filtersOf(labels)}` : '';
    return (await this.viaApi(`/containers/json?all=${all ? 1 : 0}${filters}`)) as ApiContainer[] | undefined;
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
      const filters = label ? `?filters=${filtersOf([label])}` : '';
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

  /** Creates the network; an EngineRefusedError says why not (`exists`, `overlap`: writes.ts). */
  async createNetwork(o: CreateNetwork): Promise<void> {
    await this.change(networkCreate(o));
  }

  /**
   * Removes the network (gone already: done). Right after its last container is removed, the engine can
   * still report it as having "active endpoints" for a moment (moby/moby#42119): retried a few times.
   */
  async removeNetwork(nameOrId: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.change(networkRemove(nameOrId));
        return;
      } catch (e) {
        if (!(e instanceof EngineRefusedError && e.refusal === 'in-use') || attempt === 4) throw e;
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }

  async connect(network: string, container: string): Promise<void> {
    await this.change(networkConnect(network, container));
  }

  /** Disconnects the container (not connected, or gone: done). */
  async disconnect(network: string, container: string): Promise<void> {
    await this.change(networkDisconnect(network, container));
  }

  /** Containers (running or not) matching every `key=value` label filter. */
  async listContainers(labelFilters: readonly string[]): Promise<ContainerInfo[]> {
    const listed = await this.apiContainers(labelFilters, true);
    if (listed) return listed.map(containerFromList);
    return this.inspectContainers(await this.containerIds(labelFilters));
  }

  /** The IDs of the containers (running or not) matching every label filter, through the CLI: `ps -a -q`. */
  private async containerIds(labelFilters: readonly string[]): Promise<string[]> {
    const args = ['ps', '-a', '-q', '--no-trunc'];
    for (const f of labelFilters) args.push('--filter', `label=${f}`);
    return (await this.check(args, 'listing containers')).split('\n').filter(Boolean);
  }

  /** The volumes Compose created for `project` (by its label; external ones are not). */
  async projectVolumes(project: string): Promise<VolumeInfo[]> {
    const label = `${COMPOSE_PROJECT_LABEL}=${project}`;
    if (this.onSocket) {
      const answer = (await this.viaApi(`/volumes?filters=${filtersOf([label])}`)) as { Volumes?: object[] | null };
      return (answer.Volumes ?? []).map(parseVolume);
    }
    const ls = await this.check(['volume', 'ls', '-q', '--filter', `label=${label}`], `listing volumes of ${project}`);
    return (await this.inspectAll('volumes', ls.split('\n').filter(Boolean))).map(parseVolume);
  }

  /** The containers of `project` (one-off ones too) with what each mounts. */
  async projectMounts(project: string): Promise<ContainerMounts[]> {
    const label = `${COMPOSE_PROJECT_LABEL}=${project}`;
    const listed = await this.apiContainers([label], true);
    const ids = listed ? listed.map((c) => c.Id) : await this.containerIds([label]);
    return (await this.inspectAll('containers', ids)).map(parseMounts);
  }

  async createVolume(v: VolumeInfo): Promise<void> {
    await this.change(volumeCreate(v));
  }

  /** Whether the engine has this image (its API's 404, or the CLI's words, say it has not). */
  async hasImage(ref: string): Promise<boolean> {
    return (await this.inspectAll('images', [ref])).length > 0;
  }

  /** The containers of these names or IDs that exist, missing ones left out (inspectAll). */
  async inspectContainers(ids: readonly string[]): Promise<ContainerInfo[]> {
    return (await this.inspectAll('containers', ids)).map(parseContainer);
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

  /** The networks of these names or IDs that exist, missing ones left out (inspectAll). */
  async inspectNetworks(names: readonly string[]): Promise<NetworkInfo[]> {
    return (await this.inspectAll('networks', names)).map(parseNetwork);
  }

  /**
   * The objects of these names or IDs that exist, missing ones left out (one removed meanwhile, too): over
   * the API one request each, by status code; through the CLI one `inspect`, which prints the others and
   * exits 1 when one is missing, so its exit is read with missingOnly.
   */
  private async inspectAll(kind: 'networks' | 'containers' | 'images' | 'volumes', names: readonly string[]) {
    if (names.length === 0) return [];
    if (this.onSocket) {
      const answers: unknown[] = [];
      // 16 requests at a time: hundreds at once would queue on the engine's socket anyway.
      const path = (n: string) =>
        `/${kind}/${encodeURIComponent(n)}${kind === 'containers' || kind === 'images' ? '/json' : ''}`;
      for (let i = 0; i < names.length; i += 16)
        answers.push(...(await Promise.all(names.slice(i, i + 16).map((n) => this.viaApi(path(n), undefined, true)))));
      return answers.filter((a) => a !== MISSING) as object[];
    }
    const command = [kind.slice(0, -1), 'inspect'];
    const r = await this.run([...command, '--format', '{{json .}}', ...names]);
    return missingOnly(r, `docker ${command.join(' ')}`)
      .split('\n')
      .filter(Boolean);
  }

  /** Removes the containers with their anonymous volumes (gone already: done). */
  async removeContainers(ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await this.change(containersRemove(ids));
  }

  /** Removes the volumes (gone already: done; in use: refused). */
  async removeVolumes(names: readonly string[]): Promise<void> {
    if (names.length > 0) await this.change(volumesRemove(names));
  }

  /** Creates the container (its image must be there: never pulled); its ID. */
  async createContainer(spec: ContainerSpec): Promise<string> {
    const { answers, stdout } = await this.change(containerCreate(spec));
    return stdout.trim() || (answers[0] as { Id: string }).Id;
  }

  async startContainer(id: string): Promise<void> {
    await this.change(containerStart(id));
  }

  async pause(ids: readonly string[], pause = true): Promise<void> {
    if (ids.length > 0) await this.change(containersPause(ids, pause));
  }
}
