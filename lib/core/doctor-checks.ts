// The checks of `cilo doctor`, one row each: the kind of drift, how to find it in a snapshot of state and
// Docker, and how --fix repairs one finding. Labels are the truth for what cilo made (cilo.managed on
// networks, cilo.env on containers, com.docker.compose.project for a project's containers); every repair
// re-checks what it acts on, under the lock where it changes state, and touches only objects labelled with
// this CILO_HOME (docs/DESIGN.md §10).
import { COMPOSE_ONEOFF_LABEL, COMPOSE_PROJECT_LABEL, COMPOSE_SERVICE_LABEL, removeComposeLeftovers, type ContainerInfo, type NetworkInfo } from '../docker/docker.js';
import { ensureNetwork, LABEL_ENV, LABEL_HOME, LABEL_MANAGED, LABEL_SHARED, removeOwnedNetwork } from '../network/networks.js';
import { envNetworkName, sharedNetworkName } from '../state/names.js';
import { homeId } from '../state/paths.js';
import { markBroken, releaseIfUnused } from '../state/references.js';
import { findEnvByName, localEnvironments, type State } from '../state/schema.js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostsDir, renderHostsFile, syncHostsDir } from '../dns/hostsdir.js';
import { recordsByEnvironment } from '../dns/records.js';
import { dnsStatus, ensureDnsServer } from '../dns/server.js';
import type { Context } from '../context.js';
import { destroyEnvironment } from './destroy.js';
import { networkSpecs } from './layout.js';
import { observedStatus, observeEnvironment } from './observe.js';

export type FindingKind =
  | 'env-network-missing'
  | 'status-drift'
  | 'stuck-destroying'
  | 'orphan-network'
  | 'orphan-container'
  | 'stale-reference'
  | 'publisher-gone'
  | 'duplicate-network'
  | 'dns-down'
  | 'dns-stale';

export interface Finding {
  kind: FindingKind;
  subject: string;
  problem: string;
  fix: string;
  fixed?: boolean;
  error?: string;
}

/** State and Docker as one look saw them. */
export interface Snapshot {
  state: State;
  networks: NetworkInfo[];
  containers: ContainerInfo[];
  /** Networks by name (a name may have several). */
  byName: Map<string, NetworkInfo[]>;
  /** This CILO_HOME's objects carry this label: other homes (other users, tests) share the engine. */
  ours(labels: Record<string, string>): boolean;
}

export interface Check {
  kind: FindingKind;
  find(s: Snapshot, ctx: Context): Finding[] | Promise<Finding[]>;
  repair(ctx: Context, f: Finding): Promise<void>;
}

const envsOf = (s: Snapshot) => Object.entries(localEnvironments(s.state));
const known = (ctx: Context, name: string) => findEnvByName(ctx.store.read(), name) !== undefined;
/** The live record of a finding about environment `key`, if it still exists. */
const liveRecord = (ctx: Context, key: string) => localEnvironments(ctx.store.read())[key];

/**
 * Removes orphan containers, then the networks Compose made for their (forgotten) projects; Docker refuses
 * the ones still in use. Their volumes stay: they may hold data.
 */
async function removeOrphans(ctx: Context, containers: ContainerInfo[]): Promise<void> {
  await ctx.docker.removeContainers(containers.map((c) => c.id));
  // Only projects that were cilo environments (Compose project name = cilo.env), never someone else's.
  const projects = new Set(containers.filter((c) => c.labels[COMPOSE_PROJECT_LABEL] === c.labels[LABEL_ENV]).map((c) => c.labels[LABEL_ENV]!));
  for (const project of projects) await removeComposeLeftovers(ctx.docker, project, { volumes: false });
}

const stuckDestroying: Check = {
  kind: 'stuck-destroying',
  find: (s) =>
    envsOf(s)
      .filter(([, env]) => env.status === 'destroying')
      .map(([key]) => ({ kind: 'stuck-destroying', subject: key, problem: `${key} was being destroyed when its command stopped`, fix: 'finish the destroy' })),
  async repair(ctx, f) {
    const env = liveRecord(ctx, f.subject);
    if (env) await destroyEnvironment(ctx, env.name, true);
  },
};

const envNetworkMissing: Check = {
  kind: 'env-network-missing',
  find: (s, ctx) =>
    envsOf(s)
      .filter(([, env]) => env.status !== 'destroying' && env.status !== 'created')
      .flatMap(([key, env]) => networkSpecs(ctx.home, env).map((spec) => ({ key, env, spec })))
      .filter(({ spec }) => !s.byName.has(spec.name))
      .map(({ key, env, spec }) => ({
        kind: 'env-network-missing',
        subject: key,
        problem: `${key} is ${env.status} but Docker network ${spec.name} does not exist`,
        fix: `create ${spec.name} again with subnet ${spec.subnet}`,
      })),
  async repair(ctx, f) {
    const env = liveRecord(ctx, f.subject);
    if (env) for (const spec of networkSpecs(ctx.home, env)) await ensureNetwork(ctx, spec);
  },
};

const statusDrift: Check = {
  kind: 'status-drift',
  find(s) {
    const out: Finding[] = [];
    for (const [key, env] of envsOf(s)) {
      if (env.status === 'destroying') continue;
      const running = s.containers.filter((c) => c.labels[COMPOSE_PROJECT_LABEL] === env.name && c.running && c.labels[COMPOSE_ONEOFF_LABEL] !== 'True');
      const actual = observedStatus(running.length > 0, env.status);
      const recorded = Object.values(env.services).flatMap((x) => [...x.addresses, ...(x.shared_addresses ?? [])]).sort().join(',');
      // Each container's address on its service's own network (observe's rule), and on the published one.
      const own = (c: ContainerInfo) => env.services[c.labels[COMPOSE_SERVICE_LABEL] ?? '']?.network ?? envNetworkName(env.name);
      const seen = running.flatMap((c) => [c.networks[own(c)], c.networks[sharedNetworkName(env.name)]].filter((a): a is string => !!a)).sort().join(',');
      if (actual !== env.status || recorded !== seen)
        out.push({
          kind: 'status-drift',
          subject: key,
          problem: `${key} is recorded as ${env.status} with addresses [${recorded}], Docker runs [${seen}]`,
          fix: 'record what Docker runs (status, addresses, DNS records)',
        });
    }
    return out;
  },
  async repair(ctx, f) {
    const env = liveRecord(ctx, f.subject);
    if (env) await observeEnvironment(ctx, env.name, env);
  },
};

const orphanNetwork: Check = {
  kind: 'orphan-network',
  find: (s) =>
    s.networks
      .filter((n) => n.labels[LABEL_MANAGED] === 'true' && s.ours(n.labels) && !findEnvByName(s.state, n.labels[LABEL_ENV] ?? ''))
      .map((n) => ({
        kind: 'orphan-network',
        subject: n.name,
        problem: `Docker network ${n.name} (${n.id.slice(0, 12)}) was made by cilo for ${n.labels[LABEL_ENV] ?? 'an unknown environment'}, which state does not know`,
        fix: `remove it${Object.keys(n.containers).length ? ' (after removing its orphan containers)' : ''}`,
      })),
  async repair(ctx, f) {
    const info = await ctx.docker.inspectNetwork(f.subject);
    if (!info || info.labels[LABEL_MANAGED] !== 'true' || info.labels[LABEL_HOME] !== homeId(ctx.home) || known(ctx, info.labels[LABEL_ENV] ?? '')) return;
    const attached = (await ctx.docker.listContainers([])).filter((c) => info.containers[c.id]);
    const orphans = attached.filter((c) => !known(ctx, c.labels[LABEL_ENV] ?? c.labels[COMPOSE_PROJECT_LABEL] ?? ''));
    await removeOrphans(ctx, orphans);
    for (const c of attached.filter((x) => !orphans.includes(x))) await ctx.docker.disconnect(info.id, c.id);
    await removeOwnedNetwork(ctx, f.subject);
  },
};

const orphanContainer: Check = {
  kind: 'orphan-container',
  find: (s) =>
    s.containers
      .filter((c) => c.labels[LABEL_ENV] && s.ours(c.labels) && !findEnvByName(s.state, c.labels[LABEL_ENV]))
      .map((c) => ({
        kind: 'orphan-container',
        subject: c.name,
        problem: `container ${c.name} is labelled cilo.env=${c.labels[LABEL_ENV]}, which state does not know`,
        fix: 'remove it (and its anonymous volumes)',
      })),
  async repair(ctx, f) {
    const [c] = (await ctx.docker.listContainers([])).filter((x) => x.name === f.subject);
    if (c && c.labels[LABEL_HOME] === homeId(ctx.home) && !known(ctx, c.labels[LABEL_ENV] ?? '')) await removeOrphans(ctx, [c]);
  },
};

const duplicateNetwork: Check = {
  kind: 'duplicate-network',
  find: (s) =>
    [...s.byName]
      .filter(([, list]) => list.length > 1 && list.some((n) => n.labels[LABEL_MANAGED] === 'true' && s.ours(n.labels)))
      .map(([name, list]) => ({ kind: 'duplicate-network', subject: name, problem: `${list.length} Docker networks are named ${name}`, fix: 'keep the one with containers (or the first), remove the others' })),
  async repair(ctx, f) {
    const list = (await ctx.docker.listNetworks()).filter((n) => n.name === f.subject);
    const keep = list.find((n) => Object.keys(n.containers).length > 0) ?? list[0];
    for (const n of list) if (n !== keep && n.labels[LABEL_MANAGED] === 'true' && Object.keys(n.containers).length === 0) await ctx.docker.removeNetwork(n.id);
  },
};

const staleReference: Check = {
  kind: 'stale-reference',
  find: (s) =>
    Object.entries(s.state.shared_networks).flatMap(([net, record]) =>
      record.referenced_by
        .filter((ref) => !localEnvironments(s.state)[ref])
        .map((ref) => ({ kind: 'stale-reference' as const, subject: net, problem: `${net} lists ${ref} as a reference, but no such environment exists`, fix: `drop ${ref} from its references` })),
    ),
  async repair(ctx, f) {
    await ctx.store.update((state) => {
      const rec = state.shared_networks[f.subject];
      if (!rec) return;
      rec.referenced_by = rec.referenced_by.filter((k) => localEnvironments(state)[k]);
      releaseIfUnused(state, f.subject);
    });
  },
};

const publisherGone: Check = {
  kind: 'publisher-gone',
  // A record outliving its publisher is normal (destroy --force keeps it for the consumers); the network
  // outliving it is a destroy that did not finish.
  find: (s) =>
    Object.entries(s.state.shared_networks)
      .filter(([net, record]) => record.created_by !== 'external' && !localEnvironments(s.state)[record.created_by] && s.byName.has(net))
      .map(([net, record]) => ({
        kind: 'publisher-gone',
        subject: net,
        problem: `${net} still exists, but its publisher ${record.created_by} no longer does`,
        fix: 'remove the network (consumers are disconnected) and mark its consumers broken',
      })),
  async repair(ctx, f) {
    const info = await ctx.docker.inspectNetwork(f.subject);
    if (info && info.labels[LABEL_MANAGED] === 'true' && info.labels[LABEL_SHARED] === 'true' && info.labels[LABEL_HOME] === homeId(ctx.home) && !known(ctx, info.labels[LABEL_ENV] ?? '')) {
      for (const id of Object.keys(info.containers)) await ctx.docker.disconnect(info.id, id);
      await removeOwnedNetwork(ctx, f.subject);
    }
    await ctx.store.update((state) => {
      const rec = state.shared_networks[f.subject];
      if (!rec || localEnvironments(state)[rec.created_by]) return;
      markBroken(state, f.subject, rec.referenced_by);
      rec.referenced_by = rec.referenced_by.filter((k) => k !== rec.created_by);
      delete rec.subnet;
      releaseIfUnused(state, f.subject);
    });
  },
};

const dnsDown: Check = {
  kind: 'dns-down',
  async find(s, ctx) {
    const hasRecords = [...recordsByEnvironment(s.state).values()].some((r) => r.length > 0);
    if (!hasRecords || !ctx.settings.dns.enabled) return [];
    const dns = await dnsStatus(ctx, s.state);
    if (dns.running && dns.answering) return [];
    return [{ kind: 'dns-down', subject: `127.0.0.1:${dns.port}`, problem: `the DNS server is ${dns.running ? 'running but not answering' : 'not running'}`, fix: 'start it' }];
  },
  async repair(ctx) {
    await ensureDnsServer(ctx, ctx.store.read(), { quietIfRunning: true });
  },
};

const dnsStale: Check = {
  kind: 'dns-stale',
  find(s, ctx) {
    const wanted = recordsByEnvironment(s.state);
    const dir = hostsDir(ctx.home);
    const onDisk = new Map<string, string>();
    if (existsSync(dir)) for (const f of readdirSync(dir)) onDisk.set(f, readFileSync(join(dir, f), 'utf8'));
    const stale = new Set<string>();
    for (const [env, records] of wanted) if ((onDisk.get(env) ?? '') !== renderHostsFile(records)) stale.add(env);
    for (const f of onDisk.keys()) if (!wanted.has(f)) stale.add(f);
    if (stale.size === 0) return [];
    const names = [...stale].sort().join(', ');
    return [{ kind: 'dns-stale', subject: names, problem: `DNS records of ${names} do not match state`, fix: 'rewrite the records from state' }];
  },
  async repair(ctx) {
    await ctx.store.update(() => undefined, { afterWrite: (state) => syncHostsDir(ctx.home, state) });
  },
};

/** In the order --fix repairs them: what a finished destroy removes goes first. */
export const CHECKS: readonly Check[] = [
  stuckDestroying,
  envNetworkMissing,
  statusDrift,
  orphanNetwork,
  orphanContainer,
  duplicateNetwork,
  staleReference,
  publisherGone,
  dnsDown,
  dnsStale,
];
