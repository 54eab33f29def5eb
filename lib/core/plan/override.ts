// What the override says for an environment (docs/DESIGN.md §6), as a value: from its record and its project
// model, every network each service is on in the environment, with its address and alias, and the networks
// and volumes cilo puts in place of Compose's; and the two variants Compose is given besides, derived from
// the same value (a preview, a one-off `run`). renderOverride (compose/override.ts) writes one as text.
import type { ProjectModel } from '../../compose/model.js';
import type {
  OverrideInput,
  OverrideNetwork,
  OverrideNetworkEntry,
  OverridePort,
  OverrideVolume,
} from '../../compose/override.js';
import { envNetworkName, sharedNetworkName } from '../../state/names.js';
import { homeId } from '../../state/paths.js';
import { networksOf, type Environment } from '../../state/schema.js';
import { defaultIsManaged, managedNetworks, movedAddress } from './layout.js';
import { isExported } from './register.js';

/** The ports a service publishes in place of the files' (access `published`); none in `routed`. */
function portsOf(env: Environment, service: string): OverridePort[] {
  return (env.ports ?? [])
    .filter((p) => p.service === service && p.host_port !== undefined)
    .map((p) => ({
      target: p.target,
      published: (p.replicas ?? 1) > 1 ? `${p.host_port}-${p.host_port! + p.replicas! - 1}` : String(p.host_port),
      hostIp: p.host_ip ?? '127.0.0.1',
      protocol: p.protocol,
    }));
}

export function overrideFor(
  home: string,
  env: Environment,
  model: ProjectModel,
  joined: readonly string[],
): OverrideInput {
  const nets = networksOf(env);
  const published = env.shared_subnet ? sharedNetworkName(env.name) : undefined;
  const envNet = envNetworkName(env.name);
  // With an external `default`, every service joins the environment network besides (key: its name).
  const extraEnvNet = defaultIsManaged(model) ? undefined : envNet;
  const others = joined.filter((n) => n !== published);

  const networks: OverrideNetwork[] = managedNetworks(model).map((n) => ({
    key: n.key,
    name: nets[n.key]!.name,
    replaces: true,
  }));
  for (const n of [extraEnvNet, published, ...others]) if (n) networks.push({ key: n, name: n, replaces: false });

  const services = model.services
    .filter((s) => !s.networkMode)
    .map((s) => {
      const rec = env.services[s.name]!;
      const alias = [rec.dns_name];
      const entries: OverrideNetworkEntry[] = s.networks.map((key) => {
        const n = model.networks.find((x) => x.key === key);
        if (n?.external) return { key };
        return { key, ipv4: key === 'default' ? rec.ip : movedAddress(s, key, model, nets), aliases: alias };
      });
      if (extraEnvNet) entries.push({ key: extraEnvNet, ipv4: rec.ip, aliases: alias });
      if (published && isExported(env.create_shared, s.name))
        entries.push({ key: published, ipv4: rec.shared_ip, aliases: alias, joined: true });
      for (const n of others) entries.push({ key: n, joined: true });
      return {
        name: s.name,
        networks: entries,
        renameContainer: s.hasContainerName,
        ports: portsOf(env, s.name),
        emptyMounts: emptyMountsOf(env, s.name),
      };
    });
  return {
    envName: env.name,
    project: env.project,
    homeId: homeId(home),
    services,
    networks,
    labelledOnly: env.labelled ? model.services.filter((s) => s.networkMode).map((s) => s.name) : [],
    volumes: volumesOf(home, env, model),
  };
}

/**
 * The project's volumes as the environment has them: renamed when the files pin a name, labelled with the home
 * (a `labelled` record), external when adopted; and the empty ones of a fork.
 */
function volumesOf(home: string, env: Environment, model: ProjectModel): OverrideVolume[] {
  const labels = env.labelled ? { 'cilo.home': homeId(home), 'cilo.env': env.name } : undefined;
  const keys = [
    ...new Set([...Object.keys(env.volumes ?? {}), ...model.volumes.filter((v) => !v.external).map((v) => v.key)]),
  ];
  const own = keys.flatMap((key): OverrideVolume[] => {
    const renamed = env.volumes?.[key]?.name;
    const name = renamed ?? model.volumes.find((v) => v.key === key)?.name ?? `${env.name}_${key}`;
    if (env.adopted_volumes?.includes(name)) return [{ key, name, external: true }];
    if (!renamed && !labels) return [];
    return [{ key, ...(renamed && { name: renamed }), ...(labels && { labels }) }];
  });
  const empty = (env.empty_mounts ?? []).map((_, i) => ({
    key: emptyVolumeKey(i),
    name: `${env.name}_${emptyVolumeKey(i)}`,
    ...(labels && { labels }),
  }));
  return [...own, ...empty];
}

const emptyVolumeKey = (i: number) => `cilo-empty-${i}`;

/** The mounts of `service` a fork has an empty volume at (docs/DESIGN.md §12), each its own. */
function emptyMountsOf(env: Environment, service: string): { target: string; volume: string }[] {
  return (env.empty_mounts ?? []).flatMap((m, i) =>
    m.service === service ? [{ target: m.target, volume: emptyVolumeKey(i) }] : [],
  );
}

/** Every address of the override reset (`!reset null`): a preview of an environment not registered yet, whose
 * addresses are no one's (they are allocated at its first `up`), nor the ones the files pin. */
export function withoutAddresses(o: OverrideInput): OverrideInput {
  const reset = (n: OverrideNetworkEntry): OverrideNetworkEntry => (n.ipv4 === undefined ? n : { ...n, ipv4: null });
  return { ...o, services: o.services.map((s) => ({ ...s, networks: s.networks.map(reset) })) };
}

/**
 * The override of a one-off `run` of `service`: the same, with no static address for that service on any of
 * its networks (`!reset null`: an address its files pin is removed, not left untranslated). A one-off
 * container with the service's `ipv4_address` collides with the running service container ("Address already
 * in use"). Only the run's own service changes: `run` recreates dependencies whose configuration differs,
 * and they must keep their addresses.
 */
export function withoutStaticAddresses(o: OverrideInput, service: string): OverrideInput {
  const none = (n: OverrideNetworkEntry): OverrideNetworkEntry => ({ ...n, ipv4: null });
  return { ...o, services: o.services.map((s) => (s.name === service ? { ...s, networks: s.networks.map(none) } : s)) };
}
