// The checks of `cilo doctor` about the environments of one engine: a destroy that did not finish, a network
// the plan has and Docker does not, a status or addresses Docker no longer runs. Every repair re-checks what it
// acts on, under the lock where it changes state (docs/DESIGN.md §10).
import {
  COMPOSE_ONEOFF_LABEL,
  COMPOSE_PROJECT_LABEL,
  COMPOSE_SERVICE_LABEL,
  type ContainerInfo,
} from '../../../docker/objects.js';
import { ensureNetwork } from '../../../network/networks.js';
import { sharedNetworkName } from '../../../state/names.js';
import { destroyEnvironment } from '../destroy.js';
import { observedStatus, observeEnvironment, ownNetwork } from '../../steps/observe.js';
import { plannedNetworks } from '../../plan/environment.js';
import { liveRecord, type Check, type Finding, type Snapshot } from './checks.js';

const envsOf = (s: Snapshot) => s.envs;

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
    if (env) await destroyEnvironment(ctx, env.name, { force: true, keepWorktree: true });
  },
};

const envNetworkMissing: Check = {
  scope: 'engine',
  kind: 'env-network-missing',
  find: (s, ctx) =>
    envsOf(s)
      .filter(([, env]) => env.status !== 'destroying' && env.status !== 'created')
      .flatMap(([key, env]) => plannedNetworks(ctx.home, env).map((spec) => ({ key, env, spec })))
      .filter(({ spec }) => !s.byName.has(spec.name))
      .map(({ key, env, spec }) => ({
        kind: 'env-network-missing',
        subject: key,
        problem: `${key} is ${env.status} but Docker network ${spec.name} does not exist`,
        fix: `create ${spec.name} again with subnet ${spec.subnet}`,
      })),
  async repair(ctx, f) {
    const env = liveRecord(ctx, f.subject);
    if (env) for (const spec of plannedNetworks(ctx.home, env)) await ensureNetwork(ctx, spec);
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
      const own = (c: ContainerInfo) => ownNetwork(env, c.labels[COMPOSE_SERVICE_LABEL] ?? '');
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

/** In the order --fix repairs them: what a finished destroy removes goes first. */
export const ENVIRONMENT_CHECKS: readonly Check[] = [stuckDestroying, envNetworkMissing, statusDrift];
