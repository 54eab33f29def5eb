// The checks of `cilo doctor` on one engine, one row each: the kind of drift, how to find it in a snapshot of
// state and that engine's Docker objects, and how --fix repairs one finding. Labels are the truth for what cilo made (cilo.managed on
// networks, cilo.env on containers, com.docker.compose.project for a project's containers); every repair
// re-checks what it acts on, under the lock where it changes state, and touches only objects labelled with
// this CILO_HOME (docs/DESIGN.md §10).
import {
  COMPOSE_ONEOFF_LABEL,
  COMPOSE_PROJECT_LABEL,
  COMPOSE_SERVICE_LABEL,
  removeComposeLeftovers,
  type ContainerInfo,
  type NetworkInfo,
} from '../docker/docker.js';
import {
  ensureNetwork,
  LABEL_ENV,
  LABEL_HOME,
  LABEL_MANAGED,
  LABEL_SHARED,
  removeOwnedNetwork,
} from '../network/networks.js';
import { envNetworkName, sharedNetworkName } from '../state/names.js';
import { homeId } from '../state/paths.js';
import { markBroken, releaseIfUnused } from '../state/references.js';
import { environmentsOf, findEnvByName, type Environment, type State } from '../state/schema.js';
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
  | 'dns-stale'
  | 'engine-unreachable';

export interface Finding {
  kind: FindingKind;
  /** The engine it was found on (absent for what is about this CILO_HOME only: references, DNS). */
  engine?: string;
  subject: string;
  problem: string;
  fix: string;
  fixed?: boolean;
  error?: string;
}

/** State and one engine's Docker objects as one look saw them. */
export interface Snapshot {
  state: State;
  engine: string;
  /** The environments that live on this engine. */
  envs: [string, Environment][];
  /** A swarm worker cannot remove the overlay networks it sees: they are left to the manager's look. */
  manager: boolean;
  networks: NetworkInfo[];
  containers: ContainerInfo[];
  /** Networks by name (a name may have several). */
  byName: Map<string, NetworkInfo[]>;
  /** This CILO_HOME's objects carry this label: other homes (other users, tests) share the engine. */
  ours(labels: Record<string, string>): boolean;
}

/**
 * A check of one engine's snapshot (its repair gets the context of that engine), or of this CILO_HOME
 * alone (references, DNS), run once.
 */
export type Check =
  | {
      kind: FindingKind;
      scope: 'engine';
      find(s: Snapshot, ctx: Context): Finding[];
      repair(ctx: Context, f: Finding): Promise<void>;
    }
  | {
      kind: FindingKind;
      scope: 'home';
      find(state: State, ctx: Context): Finding[] | Promise<Finding[]>;
      repair(ctx: Context, f: Finding): Promise<void>;
    };

const envsOf = (s: Snapshot) => s.envs;
const known = (ctx: Context, name: string) => findEnvByName(ctx.store.read(), name) !== undefined;
/** The live record of a finding about environment `key`, if it still exists. */
const liveRecord = (ctx: Context, key: string) => environmentsOf(ctx.store.read())[key];
/** Overlay networks seen from a worker are the manager's to judge. */
const judged = (s: Snapshot, n: NetworkInfo) => s.manager || n.scope !== 'swarm';

/**
 * Removes orphan containers, then the networks Compose made for their (forgotten) projects; Docker refuses
 * the ones still in use. Their volumes stay: they may hold data.
 */
async function removeOrphans(ctx: Context, containers: ContainerInfo[]): Promise<void> {
  await ctx.docker.removeContainers(containers.map((c) => c.id));
  // Only projects that were cilo environments (Compose project name = cilo.env), never someone else's.
  const projects = new Set(
    containers.filter((c) => c.labels[COMPOSE_PROJECT_LABEL] === c.labels[LABEL_ENV]).map((c) => c.labels[LABEL_ENV]!),
  );
  for (const project of projects) await removeComposeLeftovers(ctx.docker, project, { volumes: false });
}

const stuckDestroying: Check = {
  scope: 'engine',
  kind: 'stuck-destroying',
  find: (s) =>
    envsOf(s)
      .filter(([, env]) => env.status === 'destroying')
      .map(([key]) => ({
        kind: 'stuck-destroying',
        subject: key,
        problem: `${key} was being destroyed when its command stopped`,
        fix: 'finish the destroy',
      })),
  async repair(ctx, f) {
    const env = liveRecord(ctx, f.subject);
    if (env) await destroyEnvironment(ctx, env.name, true);
  },
};

const envNetworkMissing: Check = {
  scope: 'engine',
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
  scope: 'engine',
  kind: 'status-drift',
  find(s) {
    const out: Finding[] = [];
    for (const [key, env] of envsOf(s)) {
      if (env.status === 'destroying') continue;
      const running = s.containers.filter(
        (c) => c.labels[COMPOSE_PROJECT_LABEL] === env.name && c.running && c.labels[COMPOSE_ONEOFF_LABEL] !== 'True',
      );
      const actual = observedStatus(running.length > 0, env.status);
      const recorded = Object.values(env.services)
        .flatMap((x) => [...x.addresses, ...(x.shared_addresses ?? [])])
        .sort()
        .join(',');
      // Each container's address on its service's own network (observe's rule), and on the published one.
      const own = (c: ContainerInfo) =>
        env.services[c.labels[COMPOSE_SERVICE_LABEL] ?? '']?.network ?? envNetworkName(env.name);
      const seen = running
        .flatMap((c) => [c.networks[own(c)], c.networks[sharedNetworkName(env.name)]].filter((a): a is string => !!a))
        .sort()
        .join(',');
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
  scope: 'engine',
  kind: 'orphan-network',
  find: (s) =>
    s.networks
      .filter(
        (n) =>
          n.labels[LABEL_MANAGED] === 'true' &&
          s.ours(n.labels) &&
          judged(s, n) &&
          !findEnvByName(s.state, n.labels[LABEL_ENV] ?? ''),
      )
      .map((n) => ({
        kind: 'orphan-network',
        subject: n.name,
        problem: `Docker network ${n.name} (${n.id.slice(0, 12)}) was made by cilo for ${n.labels[LABEL_ENV] ?? 'an unknown environment'}, which state does not know`,
        fix: `remove it${Object.keys(n.containers).length ? ' (after removing its orphan containers)' : ''}`,
      })),
  async repair(ctx, f) {
    const info = await ctx.docker.inspectNetwork(f.subject);
    if (
      !info ||
      info.labels[LABEL_MANAGED] !== 'true' ||
      info.labels[LABEL_HOME] !== homeId(ctx.home) ||
      known(ctx, info.labels[LABEL_ENV] ?? '')
    )
      return;
    const attached = (await ctx.docker.listContainers([])).filter((c) => info.containers[c.id]);
    const orphans = attached.filter((c) => !known(ctx, c.labels[LABEL_ENV] ?? c.labels[COMPOSE_PROJECT_LABEL] ?? ''));
    await removeOrphans(ctx, orphans);
    for (const c of attached.filter((x) => !orphans.includes(x))) await ctx.docker.disconnect(info.id, c.id);
    await removeOwnedNetwork(ctx, f.subject);
  },
};

const orphanContainer: Check = {
  scope: 'engine',
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
    if (c && c.labels[LABEL_HOME] === homeId(ctx.home) && !known(ctx, c.labels[LABEL_ENV] ?? ''))
      await removeOrphans(ctx, [c]);
  },
};

const duplicateNetwork: Check = {
  scope: 'engine',
  kind: 'duplicate-network',
  find: (s) =>
    [...s.byName]
      .filter(
        ([, list]) =>
          list.length > 1 && list.some((n) => n.labels[LABEL_MANAGED] === 'true' && s.ours(n.labels) && judged(s, n)),
      )
      .map(([name, list]) => ({
        kind: 'duplicate-network',
        subject: name,
        problem: `${list.length} Docker networks are named ${name}`,
        fix: 'keep the one with containers (or the first), remove the others',
      })),
  async repair(ctx, f) {
    const list = (await ctx.docker.listNetworks()).filter((n) => n.name === f.subject);
    const keep = list.find((n) => Object.keys(n.containers).length > 0) ?? list[0];
    for (const n of list)
      if (n !== keep && n.labels[LABEL_MANAGED] === 'true' && Object.keys(n.containers).length === 0)
        await ctx.docker.removeNetwork(n.id);
  },
};

const publisherGone: Check = {
  scope: 'engine',
  kind: 'publisher-gone',
  // A record outliving its publisher is normal (destroy --force keeps it for the consumers); the network
  // outliving it is a destroy that did not finish.
  find: (s) =>
    Object.entries(s.state.shared_networks)
      .filter(
        ([net, record]) =>
          record.created_by !== 'external' &&
          !environmentsOf(s.state)[record.created_by] &&
          s.byName.get(net)?.some((n) => judged(s, n)),
      )
      .map(([net, record]) => ({
        kind: 'publisher-gone',
        subject: net,
        problem: `${net} still exists, but its publisher ${record.created_by} no longer does`,
        fix: 'remove the network (consumers are disconnected) and mark its consumers broken',
      })),
  async repair(ctx, f) {
    const info = await ctx.docker.inspectNetwork(f.subject);
    if (
      info &&
      info.labels[LABEL_MANAGED] === 'true' &&
      info.labels[LABEL_SHARED] === 'true' &&
      info.labels[LABEL_HOME] === homeId(ctx.home) &&
      !known(ctx, info.labels[LABEL_ENV] ?? '')
    ) {
      for (const id of Object.keys(info.containers)) await ctx.docker.disconnect(info.id, id);
      await removeOwnedNetwork(ctx, f.subject);
    }
    await ctx.store.update((state) => {
      const rec = state.shared_networks[f.subject];
      if (!rec || environmentsOf(state)[rec.created_by]) return;
      markBroken(state, f.subject, rec.referenced_by);
      rec.referenced_by = rec.referenced_by.filter((k) => k !== rec.created_by);
      delete rec.subnet;
      releaseIfUnused(state, f.subject);
    });
  },
};
/** The checks of one engine, in the order --fix repairs them: what a finished destroy removes goes first. */
export const ENGINE_CHECKS: readonly Check[] = [
  stuckDestroying,
  envNetworkMissing,
  statusDrift,
  orphanNetwork,
  orphanContainer,
  duplicateNetwork,
  publisherGone,
];
