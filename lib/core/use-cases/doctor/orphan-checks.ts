// The checks of `cilo doctor` for what cilo made on one engine that no environment owns any more: networks and
// containers of forgotten environments, duplicate networks of one name, a published network that outlived its
// publisher. Labels are the truth for what cilo made (cilo.managed on networks, cilo.env on containers,
// com.docker.compose.project for a project's containers); a repair touches only objects labelled with this
// CILO_HOME (docs/DESIGN.md §10).
import { removeComposeLeftovers } from '../../../docker/leftovers.js';
import { COMPOSE_PROJECT_LABEL, type ContainerInfo } from '../../../docker/objects.js';
import { LABEL_ENV, LABEL_FORK_HELPER, LABEL_HOME, LABEL_MANAGED, LABEL_SHARED } from '../../../network/labels.js';
import { removeOwnedNetwork } from '../../../network/networks.js';
import { homeId } from '../../../state/paths.js';
import { markBroken, publisherOf, releaseIfUnused } from '../../../state/references.js';
import { findEnvByName } from '../../../state/schema.js';
import type { Context } from '../../../context.js';
import { judged, known, type Check } from './checks.js';

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
      .filter(
        (c) =>
          c.labels[LABEL_ENV] &&
          !c.labels[LABEL_FORK_HELPER] &&
          s.ours(c.labels) &&
          !findEnvByName(s.state, c.labels[LABEL_ENV]),
      )
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
      if (
        n !== keep &&
        n.labels[LABEL_MANAGED] === 'true' &&
        n.labels[LABEL_HOME] === homeId(ctx.home) &&
        Object.keys(n.containers).length === 0
      )
        await ctx.docker.removeNetwork(n.id);
  },
};

const publisherGone: Check = {
  scope: 'engine',
  kind: 'publisher-gone',
  // A record outliving its publisher is normal (destroy --force keeps it for the consumers); the network
  // outliving it is a destroy that did not finish.
  find: (s) =>
    Object.keys(s.state.shared_networks)
      .map((net) => [net, publisherOf(s.state, net)] as const)
      .filter(([net, publisher]) => publisher && !publisher.env && s.byName.get(net)?.some((n) => judged(s, n)))
      .map(([net, publisher]) => ({
        kind: 'publisher-gone',
        subject: net,
        problem: `${net} still exists, but its publisher ${publisher!.key} no longer does`,
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
      if (!rec || publisherOf(state, f.subject)?.env) return;
      markBroken(state, f.subject, rec.referenced_by);
      rec.referenced_by = rec.referenced_by.filter((k) => k !== rec.created_by);
      delete rec.subnet;
      releaseIfUnused(state, f.subject);
    });
  },
};

/** A container of this home's environments that a killed `cilo fork` left paused (it pauses the source). */
const pausedContainer: Check = {
  scope: 'engine',
  kind: 'paused-container',
  find: (s) =>
    s.containers
      .filter((c) => c.paused && c.labels[LABEL_ENV] && s.ours(c.labels))
      .map((c) => ({
        kind: 'paused-container',
        subject: c.name,
        problem: `container ${c.name} of ${c.labels[LABEL_ENV]} is paused: a cilo fork of it was stopped before it unpaused it`,
        fix: 'unpause it',
      })),
  async repair(ctx, f) {
    const [c] = (await ctx.docker.listContainers([`${LABEL_HOME}=${homeId(ctx.home)}`])).filter(
      (x) => x.name === f.subject,
    );
    if (c?.paused) await ctx.docker.pause([c.id], false);
  },
};

/** A container a killed `cilo fork` copied volumes through: it is never needed again. */
const forkHelper: Check = {
  scope: 'engine',
  kind: 'fork-helper',
  find: (s) =>
    s.containers
      .filter((c) => c.labels[LABEL_FORK_HELPER] && s.ours(c.labels))
      .map((c) => ({
        kind: 'fork-helper',
        subject: c.name,
        problem: `container ${c.name} is left from a cilo fork of ${c.labels[LABEL_ENV]} that was stopped`,
        fix: 'remove it (the fork itself is a finding of its own if it is half made)',
      })),
  async repair(ctx, f) {
    const [c] = (await ctx.docker.listContainers([`${LABEL_HOME}=${homeId(ctx.home)}`, LABEL_FORK_HELPER])).filter(
      (x) => x.name === f.subject,
    );
    if (c) await ctx.docker.removeContainers([c.id]);
  },
};

/** In the order --fix repairs them. */
export const ORPHAN_CHECKS: readonly Check[] = [
  pausedContainer,
  forkHelper,
  orphanNetwork,
  orphanContainer,
  duplicateNetwork,
  publisherGone,
];
