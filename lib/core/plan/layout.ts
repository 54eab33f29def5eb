// How an environment lays out its project's networks and volumes (docs/DESIGN.md §2, §6): the project's
// `default` network is the environment network `cilo-<env>`; every other network it declares (not external)
// is `<env>_<name>` with a subnet from cilo's pool, of the size its files pin if they pin one, with pinned
// addresses moved into it; volumes with a pinned `name:` are renamed for the environment. Pure functions.
import { basename } from 'node:path';
import { UserError } from '../../errors/index.js';
import type { IpamConfig, NetworkModel, ProjectModel, ServiceModel } from '../../compose/model.js';
import { LABEL_SHARED, networkLabels } from '../../network/labels.js';
import type { NetworkSpec } from '../../network/networks.js';
import {
  allocateSubnet,
  parseCidr,
  prefixOf,
  subnetLayout,
  translateAddress,
  translateRange,
  type PoolConfig,
} from '../../network/subnet.js';
import { envNetworkName, sharedNetworkName, validateDockerName } from '../../state/names.js';
import { subnetsInUse } from '../../state/references.js';
import { networksOf, type Environment, type NetworkRecord, type State } from '../../state/schema.js';

/** Networks cilo creates for the project: the ones it declares that are not external. */
export const managedNetworks = (model: ProjectModel) => model.networks.filter((n) => !n.external);
const networkOf = (model: ProjectModel, key: string) => model.networks.find((n) => n.key === key);
/** The project's `default` is the environment network unless the files make it an external one. */
export const defaultIsManaged = (model: ProjectModel) => networkOf(model, 'default')?.external !== true;

/** The one IPv4 subnet a network's files pin, if any (validateModel has refused what cilo cannot move). */
export function pinnedIpam(n: NetworkModel | undefined): IpamConfig | undefined {
  return n?.ipam.find((c) => parseCidr(c.subnet, true));
}

/**
 * Every name of the files that becomes a Docker name (network and volume keys and `name:`s, services) is one
 * Docker takes and cilo can remove again (state/names.ts); the error says in which files and at which key.
 */
export function checkModelNames(model: ProjectModel, files: readonly string[]): void {
  const where = (key: string) => `${files.map((f) => basename(f)).join(', ') || 'the compose files'}: ${key}`;
  for (const s of model.services) validateDockerName(s.name, 'service name', where(`services.${s.name}`), 'web');
  for (const [kind, list] of [
    ['network', model.networks],
    ['volume', model.volumes],
  ] as const)
    for (const n of list) {
      validateDockerName(n.key, `${kind} key`, where(`${kind}s.${n.key}`), 'backend');
      if (n.name !== undefined)
        validateDockerName(n.name, `${kind} name`, where(`${kind}s.${n.key}.name`), `shop_${n.key}`);
    }
}

/**
 * What cilo cannot give each environment of its own, as errors naming the network and service: IPv6, several
 * subnets, an address pinned on a network whose subnet is not pinned (there is nothing to move it along).
 */
export function validateModel(model: ProjectModel): void {
  for (const n of managedNetworks(model)) {
    const what = `network ${n.key}`;
    if (n.enableIpv6 || n.ipam.some((c) => !parseCidr(c.subnet, true)))
      throw new UserError(
        `${what} uses IPv6: cilo cannot give each copy an IPv6 subnet of its own`,
        `drop enable_ipv6 and the IPv6 ipam entries, or declare the network external`,
      );
    if (n.ipam.length > 1)
      throw new UserError(
        `${what} pins ${n.ipam.length} subnets: cilo moves one subnet per network into each copy`,
        `keep one ipam.config entry`,
      );
  }
  for (const s of model.services) {
    for (const [key, ip] of Object.entries(s.pinnedAddresses)) {
      const n = networkOf(model, key);
      if (!n || n.external) continue;
      const pinned = pinnedIpam(n);
      if (!pinned)
        throw new UserError(
          `service ${s.name} pins ipv4_address ${ip} on network ${key}, whose subnet the files do not pin: cilo cannot move it into the copy's subnet`,
          `pin the network's subnet too (networks: ${key}: ipam: config: [{subnet: ...}]), or drop the address`,
        );
      if (!translateAddress(ip, pinned.subnet, pinned.subnet))
        throw new UserError(
          `service ${s.name} pins ipv4_address ${ip} on network ${key}, outside its subnet ${pinned.subnet}`,
          `pick an address inside ${pinned.subnet}`,
        );
    }
    for (const key of s.ipv6On)
      if (!networkOf(model, key)?.external)
        throw new UserError(
          `service ${s.name} pins an ipv6_address on network ${key}: cilo cannot give each copy an IPv6 subnet of its own`,
          'drop the ipv6_address',
        );
  }
}

/**
 * The network whose address is a service's own (its static address, its DNS record): undefined for the
 * environment network (a service on `default`, or every service when `default` is external), otherwise
 * its first project network.
 */
export function primaryNetwork(s: ServiceModel, model: ProjectModel): string | undefined {
  if (s.networks.includes('default') || !defaultIsManaged(model)) return undefined;
  return [...s.networks].sort()[0];
}

/** The Docker name of a project network other than `default`. */
export const projectNetworkName = (env: string, n: NetworkModel) => `${env}_${n.name ?? n.key}`;

/** The size of the environment network: the one its files pin for `default`, else CILO_SUBNET_PREFIX. */
export function envSubnetPrefix(model: ProjectModel, pool: PoolConfig): number {
  const pinned = pinnedIpam(networkOf(model, 'default'));
  return pinned ? prefixOf(pinned.subnet)! : pool.prefix;
}

/** What cilo creates for a network besides its name and subnet: the files' settings, pinned layout moved. */
function networkRecord(name: string, subnet: string, n: NetworkModel | undefined): NetworkRecord {
  const pinned = pinnedIpam(n);
  const move = (a: string | undefined, f: typeof translateAddress) =>
    a && pinned ? f(a, pinned.subnet, subnet) : undefined;
  const aux =
    pinned?.auxAddresses &&
    Object.fromEntries(Object.entries(pinned.auxAddresses).map(([k, a]) => [k, move(a, translateAddress) ?? a]));
  const r: NetworkRecord = {
    name,
    subnet,
    gateway: move(pinned?.gateway, translateAddress),
    ip_range: move(pinned?.ipRange, translateRange),
    aux_addresses: aux,
  };
  Object.assign(r, {
    driver: n?.driver,
    internal: n?.internal,
    attachable: n?.attachable,
    options: n?.options,
    labels: n?.labels,
    pinned: pinned?.subnet,
  });
  return JSON.parse(JSON.stringify(r)) as NetworkRecord; // without the undefined fields
}

export interface LayoutInput {
  model: ProjectModel;
  pool: PoolConfig;
  networkPrefix: number;
  foreignSubnets: readonly string[];
}

/**
 * The register step for networks and volumes: each network keeps its subnet while it still fits what the
 * files ask; a new one takes the lowest free subnet of its size. Networks the files no longer declare are
 * kept (Docker still has them; destroy removes them).
 */
export function layoutNetworks(state: State, env: Environment, i: LayoutInput): number {
  const nets = (env.networks ??= {});
  let allocated = 0;
  const defaultModel = networkOf(i.model, 'default');
  if (
    defaultModel &&
    !defaultModel.external &&
    pinnedIpam(defaultModel) &&
    prefixOf(env.subnet) !== envSubnetPrefix(i.model, i.pool)
  )
    throw new UserError(
      `the files pin a /${envSubnetPrefix(i.model, i.pool)} for the default network of ${env.name}, but it was registered with ${env.subnet}`,
      `its subnet is fixed at registration: 'cilo destroy ${env.name}' and start it again`,
    );
  nets.default = networkRecord(envNetworkName(env.name), env.subnet, defaultModel?.external ? undefined : defaultModel);
  const byName = new Map<string, string>();
  for (const n of managedNetworks(i.model).filter((x) => x.key !== 'default')) {
    const name = projectNetworkName(env.name, n);
    const other = byName.get(name);
    if (other !== undefined) {
      // Two keys pinning one name are one network, in plain Compose as here; anything else would merge two.
      if (networkOf(i.model, other)!.name !== n.name)
        throw new UserError(
          `networks ${other} and ${n.key} would both be ${name} in environment ${env.name}`,
          'give one of them another name',
        );
      nets[n.key] = { ...nets[other]! };
      continue;
    }
    byName.set(name, n.key);
    const pinned = pinnedIpam(n);
    const prefix = pinned ? prefixOf(pinned.subnet)! : i.networkPrefix;
    const old = nets[n.key];
    const keep = old !== undefined && prefixOf(old.subnet) === prefix && old.pinned === pinned?.subnet;
    const subnet = keep
      ? old.subnet
      : allocateSubnet({ pool: i.pool.pool, prefix }, [...subnetsInUse(state), ...i.foreignSubnets]);
    if (!keep) allocated++;
    nets[n.key] = networkRecord(name, subnet, n);
  }
  layoutVolumes(env, i.model);
  return allocated;
}

function layoutVolumes(env: Environment, model: ProjectModel): void {
  const renamed = model.volumes.filter((v) => !v.external && v.name !== undefined);
  const keys = new Set(model.volumes.map((v) => v.key));
  for (const v of renamed)
    if (keys.has(v.name!) && v.name !== v.key)
      throw new UserError(
        `volume ${v.key} is named ${v.name}, which is also a volume of the project: both would be ${env.name}_${v.name}`,
        'rename one of them',
      );
  if (renamed.length === 0) delete env.volumes;
  else
    env.volumes = Object.fromEntries(renamed.map((v) => [v.key, { name: `${env.name}_${v.name}`, pinned: v.name! }]));
}

/** A pinned `ipv4_address` of a service moved into the environment's subnet of that network. */
export function movedAddress(
  s: ServiceModel,
  key: string,
  model: ProjectModel,
  nets: Record<string, NetworkRecord>,
): string | undefined {
  const pin = s.pinnedAddresses[key];
  const pinned = pinnedIpam(networkOf(model, key));
  const net = nets[key];
  return pin && pinned && net ? translateAddress(pin, pinned.subnet, net.subnet) : undefined;
}

/**
 * What `docker network create` is given for a network of the environment: cilo's layout (gateway .1, the
 * upper half dynamic) unless the files pin one, the files' settings, and cilo's labels.
 */
export function networkSpec(
  home: string,
  env: Pick<Environment, 'name' | 'project'>,
  rec: NetworkRecord,
  shared = false,
): NetworkSpec {
  const layout = rec.pinned ? { gateway: rec.gateway, ipRange: rec.ip_range } : subnetLayout(rec.subnet);
  return {
    name: rec.name,
    subnet: rec.subnet,
    gateway: layout.gateway,
    ipRange: layout.ipRange,
    auxAddresses: rec.aux_addresses,
    driver: rec.driver,
    internal: rec.internal,
    attachable: rec.attachable,
    options: rec.options,
    labels: { ...rec.labels, ...networkLabels(home, env), ...(shared ? { [LABEL_SHARED]: 'true' } : {}) },
  };
}

/**
 * Every network cilo creates for an environment: its project networks, then the one it publishes (with
 * shared-scope swarm an attachable overlay; its upper half is Docker's, for the load-balancer address each
 * engine that attaches takes, and for consumers).
 */
export function networkSpecs(home: string, env: Environment): NetworkSpec[] {
  const specs = Object.values(networksOf(env)).map((rec) => networkSpec(home, env, rec));
  const overlay = env.shared_scope === 'swarm' ? { driver: 'overlay', attachable: true } : {};
  if (env.shared_subnet)
    specs.push(
      networkSpec(home, env, { name: sharedNetworkName(env.name), subnet: env.shared_subnet, ...overlay }, true),
    );
  return specs.filter((spec, i) => specs.findIndex((o) => o.name === spec.name) === i);
}
