// Applying an environment's plan: the only code that makes Docker hold what the plan says (its networks)
// and writes what Compose is given (the override); and undoing a registration whose command failed.
import { mkdirSync, rmSync } from 'node:fs';
import { undoing } from '../../docker/interruption.js';
import type { NetworkInfo } from '../../docker/objects.js';
import { renderOverride } from '../../compose/override.js';
import { refreshRecords } from '../../dns/hostsdir.js';
import { portFree, PortTakenError } from '../../network/host-ports.js';
import { ensureNetwork, removeOwnedNetwork } from '../../network/networks.js';
import { LABEL_ENV, LABEL_HOME } from '../../network/labels.js';
import { envDir, homeId, overrideFile } from '../../state/paths.js';
import { deleteEnvironment } from '../../state/references.js';
import { writeFileAtomic } from '../../state/store.js';
import type { Context } from '../../context.js';
import type { EnvironmentPlan } from '../plan/environment.js';
import { hostPortsOf } from '../plan/ports.js';

/** What applying a plan did, for an undo. */
export interface Applied {
  /** Networks this application created (an undo removes them). */
  createdNetworks: string[];
  overridePath: string;
}

/**
 * The plan's published ports that this environment's own containers do not hold already (`held`): each must
 * be free on the host, or a PortTakenError names it (prepare then plans again without it).
 */
export async function checkHostPorts(plan: EnvironmentPlan, held: ReadonlySet<number>): Promise<void> {
  for (const p of plan.record.ports ?? []) {
    const host = p.host_ip ?? '127.0.0.1';
    for (const port of hostPortsOf(p))
      if (!held.has(port) && !(await portFree(host, port, p.protocol)))
        throw new PortTakenError(port, host, p.protocol);
  }
}

/**
 * Creates the plan's networks that Docker does not have yet and writes its override. `envNetwork`: the
 * environment network as seen a moment ago (saves an inspect under its lock). `applied` collects what was
 * created, also when a later step fails.
 */
export async function applyPlan(
  ctx: Context,
  plan: EnvironmentPlan,
  applied: Applied,
  envNetwork?: NetworkInfo,
): Promise<void> {
  for (const spec of plan.networks) {
    const seen = spec.name === envNetwork?.name ? envNetwork : undefined;
    if (await ensureNetwork(ctx, spec, seen)) applied.createdNetworks.push(spec.name);
  }
  mkdirSync(envDir(ctx.home, plan.record.name), { recursive: true, mode: 0o700 });
  writeFileAtomic(applied.overridePath, renderOverride(plan.override));
}

export const nothingApplied = (home: string, name: string): Applied => ({
  createdNetworks: [],
  overridePath: overrideFile(home, name),
});

/**
 * Undoes a registration made by a command that then failed or was interrupted: networks it created, state
 * entry, files. It runs to its end whatever signal comes meanwhile.
 */
export const rollbackRegistration = (ctx: Context, key: string, name: string, applied: Applied): Promise<void> =>
  undoing(() => unregister(ctx, key, name, applied));

async function unregister(ctx: Context, key: string, name: string, applied: Applied): Promise<void> {
  // A `network create` cut short by a signal may have made its network all the same: this home's networks
  // labelled with the environment go too (a new registration has no others).
  const labelled = await ctx.docker.listNetworks(undefined, `${LABEL_ENV}=${name}`);
  const mine = labelled.filter((n) => n.labels[LABEL_HOME] === homeId(ctx.home)).map((n) => n.name);
  for (const net of new Set([...[...applied.createdNetworks].reverse(), ...mine])) {
    try {
      await removeOwnedNetwork(ctx, net);
    } catch (e) {
      ctx.log.warn(`could not remove ${net} while undoing the failed registration: ${(e as Error).message}`);
    }
  }
  const state = await ctx.store.update((s) => {
    deleteEnvironment(s, key);
    return s;
  });
  rmSync(envDir(ctx.home, name), { recursive: true, force: true });
  // An attached `up` serves names while Compose runs (watch.ts): they go with the record.
  await refreshRecords(ctx, state);
}
