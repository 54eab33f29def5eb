// What an environment should be, decided once, in one pure function, from a state and the inputs
// (docs/ARCHITECTURE.md, "Plan, then apply"). Nothing here talks to Docker or starts a process
// (test/structure.test.ts holds that).
import type { NetworkSpec } from '../../network/networks.js';
import type { OverrideInput } from '../../compose/override.js';
import type { Environment, State } from '../../state/schema.js';
import { DEFAULT_SUFFIX } from '../../dns/records.js';
import { envNetworkName } from '../../state/names.js';
import { networkSpecs } from './layout.js';
import { overrideFor, withoutAddresses } from './override.js';
import { register, type PlanInputs, type Registered } from './register.js';

export type { PlanInputs } from './register.js';

/** One service's names at the router (docs/DESIGN.md §7): the names, and where they go. */
export interface Route {
  env: string;
  service: string;
  /** `<service>.<env>.localhost` and `<service>.<env>.<suffix>`. */
  hosts: string[];
  /** The service's alias on `network`, and the container port (x-cilo.http, else its first `ports:`). */
  upstream: { name: string; port: number };
  /** The network the router joins to reach it. */
  network: string;
}

export interface EnvironmentPlan extends Registered {
  /** Every network cilo creates for the environment, as `docker network create` is given it. */
  networks: NetworkSpec[];
  /** Its services' names at the router. */
  routes: Route[];
  /** The networks it joins that others own (shared networks, external ones). */
  joined: readonly string[];
  /** What Compose is given besides the project's files (compose/override.ts renders it). */
  override: OverrideInput;
}

/**
 * The plan on `state`, which it changes: the registration (a new record with its subnets on first use; else
 * the checks that this command may use the registered one), what it publishes and joins, its networks,
 * addresses and volumes, and the override. Throws a UserError for what cilo refuses; `state` is then the
 * caller's to drop (under the lock nothing is written).
 */
export function planEnvironment(state: State, inputs: PlanInputs): EnvironmentPlan {
  const registered = register(state, inputs);
  return {
    ...registered,
    networks: plannedNetworks(inputs.home, registered.record),
    routes: plannedRoutes(registered.record),
    joined: inputs.joined,
    override: overrideFor(inputs.home, registered.record, inputs.model, inputs.joined),
  };
}

/**
 * What `config` shows: the same plan on a copy of the state. Nothing is written or created. An environment
 * not registered yet has no addresses of its own (they are allocated at its first `up`): none is shown.
 */
export function previewPlan(state: State, inputs: PlanInputs): EnvironmentPlan {
  const plan = planEnvironment(structuredClone(state), inputs);
  return plan.registeredNow ? { ...plan, override: withoutAddresses(plan.override) } : plan;
}

/** The networks a recorded environment has in its plan: what `doctor` expects Docker to hold. */
export function plannedNetworks(home: string, record: Environment): NetworkSpec[] {
  return networkSpecs(home, record);
}

/** A recorded environment's routes: one per service with an HTTP port. */
export function plannedRoutes(record: Environment): Route[] {
  const suffix = `.${record.dns_suffix ?? DEFAULT_SUFFIX}`;
  return Object.values(record.services)
    .filter((s) => s.http_port !== undefined)
    .map((s) => ({
      env: record.name,
      service: s.name,
      hosts: [`${s.dns_name.slice(0, -suffix.length)}.localhost`, s.dns_name],
      upstream: { name: s.dns_name, port: s.http_port! },
      network: s.network ?? envNetworkName(record.name),
    }));
}
