// The vocabulary of `cilo doctor`: what a finding is, the snapshot a check of one engine looks at, and a check
// as a row of a table: the kind of drift, how to find it, how --fix repairs one finding (docs/DESIGN.md §10).
import type { ContainerInfo, NetworkInfo } from '../../../docker/objects.js';
import { environmentsOf, findEnvByName, type Environment, type State } from '../../../state/schema.js';
import type { Context } from '../../../context.js';

export type FindingKind =
  | 'env-network-missing'
  | 'status-drift'
  | 'stuck-destroying'
  | 'orphan-network'
  | 'orphan-container'
  | 'paused-container'
  | 'fork-helper'
  | 'stale-reference'
  | 'publisher-gone'
  | 'duplicate-network'
  | 'dns-down'
  | 'dns-stale'
  | 'resolver-stale'
  | 'engine-unreachable'
  | 'router-down'
  | 'router-stale'
  | 'forward-down';

export interface Finding {
  kind: FindingKind;
  /** The engine it was found on (absent for what is about this CILO_HOME only: references, DNS). */
  engine?: string;
  subject: string;
  problem: string;
  fix: string;
  fixed?: boolean;
  /** Why --fix could not repair it (a UserError's message and hint). */
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

/** Whether an environment of this name exists now (a repair re-checks on a fresh read). */
export const known = (ctx: Context, name: string) => findEnvByName(ctx.store.read(), name) !== undefined;
/** The live record of a finding about environment `key`, if it still exists. */
export const liveRecord = (ctx: Context, key: string) => environmentsOf(ctx.store.read())[key];
/** Overlay networks seen from a worker are the manager's to judge. */
export const judged = (s: Snapshot, n: NetworkInfo) => s.manager || n.scope !== 'swarm';
