// Making an environment ready for a Compose command, in three steps: read what Docker must tell (inputs.ts,
// outside the lock), decide the plan under the state lock on a fresh read (plan/environment.ts: the only
// decision), apply it (apply.ts: networks, override). A failed first registration is rolled back; a subnet another
// network took meanwhile, or a host port something else holds, is given back and the plan decided again.
import { UserError } from '../../errors/index.js';
import type { EngineInfo } from '../../docker/objects.js';
import type { ProjectModel } from '../../compose/model.js';
import { PortTakenError } from '../../network/host-ports.js';
import { SubnetTakenError } from '../../network/networks.js';
import { envNetworkName } from '../../state/names.js';
import { releaseSubnet } from '../../state/references.js';
import { findEnvByName, type Environment } from '../../state/schema.js';
import type { Context } from '../../context.js';
import { describeMissingNetwork } from './shared-networks.js';
import { forwardTarget } from './forwards.js';
import { applyPlan, checkHostPorts, nothingApplied, rollbackRegistration, type Applied } from './apply.js';
import {
  accessFor,
  dockerInputs,
  planInputs,
  projectModel,
  requested,
  subnetsToAvoid,
  type PrepareRequest,
} from './inputs.js';
import { ownershipFor, projectObjects } from './ownership.js';
import { planEnvironment, previewPlan, type EnvironmentPlan } from '../plan/environment.js';
import { hostPortsOf } from '../plan/ports.js';

export type { PrepareRequest } from './inputs.js';

export interface Prepared {
  plan: EnvironmentPlan;
  model: ProjectModel;
  applied: Applied;
  /** Swarm networks this engine does not see yet, which Compose needs an anchor to join (swarm.ts). */
  anchors: string[];
  /** The engine, as it answered. */
  engineInfo: EngineInfo;
}

/** Undoes what `prepareEnvironment` registered and created, for a command that then failed. */
export const rollback = (ctx: Context, p: Prepared) =>
  rollbackRegistration(ctx, p.plan.key, p.plan.record.name, p.applied);

/**
 * The host ports this environment holds now: its recorded ones while it runs, and on an engine over ssh
 * always (cilo's forwards listen on them here, whatever runs there).
 */
const portsHeld = (ctx: Context, known: Environment | undefined) =>
  new Set(known?.status === 'running' || (known && forwardTarget(ctx)) ? (known.ports ?? []).flatMap(hostPortsOf) : []);

export async function prepareEnvironment(ctx: Context, req: PrepareRequest): Promise<Prepared> {
  const known = findEnvByName(req.snapshot, req.selector.name)?.[1];
  const w = requested(ctx, req, known);
  // A first registration: the project's objects on the engine must be none, or this home's, or adopted. Asked
  // beside the other inputs, so the time between what Docker said and the plan stays as short as it was.
  const objects = known ? undefined : projectObjects(ctx, w.name);
  objects?.catch(() => undefined); // awaited below; an engine that does not answer fails in dockerInputs first
  const { model, info, anchors, access, foreignPorts } = await dockerInputs(ctx, req, w);
  // An unreachable engine fails here, before anything is written.
  const envNetwork = req.materialize ? await req.envNetwork : undefined;
  const foreignSubnets = await subnetsToAvoid(ctx, req, w, model, known);
  const ownership = objects ? ownershipFor(ctx.home, w.name, req.source, await objects, req.adopt ?? false) : {};
  const inputs = planInputs(ctx, { ...req, additions: { ...req.additions, ...ownership } }, w, {
    model,
    access,
    foreignSubnets,
    foreignPorts,
    id: info.id,
  });
  for (let attempt = 0; ; attempt++) {
    const plan = await ctx.store.update((state) =>
      planEnvironment(state, { ...inputs, now: new Date().toISOString() }),
    );
    const prepared: Prepared = { plan, model, applied: nothingApplied(ctx.home, w.name), anchors, engineInfo: info };
    try {
      await checkJoinsStillThere(
        ctx,
        prepared,
        w.joined.filter((n) => !anchors.includes(n)),
      );
      if (!req.materialize) return prepared;
      await checkHostPorts(plan, portsHeld(ctx, known));
      await applyPlan(ctx, plan, prepared.applied, attempt === 0 ? envNetwork : undefined);
      return prepared;
    } catch (e) {
      if (plan.registeredNow) await rollback(ctx, prepared);
      if (e instanceof PortTakenError && attempt < 20) {
        ctx.log.info(`${e.message}: skipped, another one is taken instead`);
        inputs.foreignPorts = [...inputs.foreignPorts, e.port];
        continue;
      }
      const retry =
        e instanceof SubnetTakenError && attempt < 5 && (plan.registeredNow || e.subnet !== plan.record.subnet);
      if (!retry) throw subnetError(e, w.name, plan.registeredNow ? undefined : plan.record.subnet);
      // A network outside cilo took the subnet since we looked: give it back and plan again past it.
      inputs.foreignSubnets = [...inputs.foreignSubnets, e.subnet];
      if (!plan.registeredNow) await ctx.store.update((state) => releaseSubnet(state, plan.key, e.subnet));
    }
  }
}

/**
 * The networks a new registration joined as ones cilo did not publish, asked again after the plan: Docker was
 * asked before it, and a publisher destroyed meanwhile removes its network before its record (destroy.ts), so
 * the plan may have taken that network for an external one. Gone now: the caller undoes the registration.
 */
async function checkJoinsStillThere(ctx: Context, prepared: Prepared, joined: readonly string[]): Promise<void> {
  const { plan } = prepared;
  if (!plan.registeredNow) return;
  const external = joined.filter((n) => plan.state.shared_networks[n]?.created_by === 'external');
  const seen = await Promise.all(external.map((n) => ctx.docker.inspectNetwork(n)));
  const gone = external.find((_, i) => !seen[i]);
  if (gone === undefined) return;
  throw describeMissingNetwork(ctx.store.read(), gone, ctx.engine.name);
}

/**
 * What `config` shows for the environment: its plan on a copy of the state (previewPlan). Writes
 * nothing and creates nothing; asks Docker only what the files cannot say (the model, when Compose must).
 */
export async function previewEnvironment(ctx: Context, req: PrepareRequest): Promise<EnvironmentPlan> {
  const known = findEnvByName(req.snapshot, req.selector.name)?.[1];
  const w = requested(ctx, req, known);
  // Who the engine is matters only when state has not recorded how the host reaches it, and nothing says.
  const asked = ctx.settings.access ?? req.xcilo.access ?? req.snapshot.hosts[ctx.engine.name]?.engine?.access;
  const [model, info] = await Promise.all([projectModel(ctx, req, w), asked ? undefined : ctx.docker.engineInfo()]);
  const access = accessFor(ctx, req, info);
  // A new record is labelled (ownership.ts): the preview shows the labels its first `up` will give.
  const asNew = { ...req, additions: { ...req.additions, labelled: true } };
  return previewPlan(req.snapshot, planInputs(ctx, asNew, w, { model, access, foreignSubnets: [], foreignPorts: [] }));
}

/**
 * The error to show for a failed apply: a subnet Docker keeps refusing gets a cilo message.
 * `keptSubnet`: the subnet of an environment registered earlier, which cilo cannot simply replace.
 */
function subnetError(e: unknown, name: string, keptSubnet: string | undefined): unknown {
  if (!(e instanceof SubnetTakenError)) return e;
  if (e.subnet === keptSubnet)
    return new UserError(
      `the subnet ${keptSubnet} of ${name} is now used by another Docker network, and ${envNetworkName(name)} is gone`,
      `remove that network, or 'cilo destroy ${name}' and start it again to get a new subnet`,
    );
  return new UserError(
    `no subnet could be reserved for ${name}: ${e.message} (five tries)`,
    'see `docker network ls` for networks in CILO_SUBNET_POOL',
  );
}
