// Docker networks cilo owns: an environment's networks and the one it publishes.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { withFileLock, type LockOptions } from '../state/lock.js';
import { homeId, networkLockFile } from '../state/paths.js';
import { LABEL_ENV, LABEL_HOME, LABEL_MANAGED } from './labels.js';
import { ensureHome } from '../state/store.js';
import { UserError } from '../errors/index.js';
import type { Docker } from '../docker/docker.js';
import { EngineRefusedError } from '../docker/writes.js';
import type { CreateNetwork, NetworkInfo } from '../docker/objects.js';

/** What creating and removing networks needs: the engine, the home (its network lock), the lock options. */
export interface NetworkDeps {
  docker: Docker;
  home: string;
  locks: LockOptions;
  log: { warn(message: string): void };
}

/** Thrown when Docker refuses a subnet because another network overlaps it. */
export class SubnetTakenError extends UserError {
  constructor(readonly subnet: string) {
    super(
      `subnet ${subnet} overlaps an existing Docker network`,
      'see `docker network ls` for networks in CILO_SUBNET_POOL, or give cilo another pool (CILO_SUBNET_POOL)',
    );
  }
}

/** A network as cilo creates it (the plan's networks; core/plan/layout.ts). */
export type NetworkSpec = CreateNetwork;

function poolsExhausted(name: string): UserError {
  return new UserError(
    `Docker has no address pool left for network ${name}: its default pools are used up by networks cilo did not create`,
    `remove unused networks ('docker network prune'), or give dockerd more pools (default-address-pools in /etc/docker/daemon.json); cilo's own subnets come from CILO_SUBNET_POOL`,
  );
}

/**
 * Creates the network unless it exists, under a lock of its name: parallel `docker network create X`
 * calls can produce several networks named X (seen on engine 20.10). Returns true when it created it.
 */
export async function ensureNetwork(deps: NetworkDeps, spec: NetworkSpec, seen?: NetworkInfo): Promise<boolean> {
  // A network seen a moment ago with our labels and subnet needs neither the lock nor another inspect.
  if (seen && isOurs(seen, spec)) return false;
  ensureHome(deps.home);
  const lock = networkLockFile(deps.home, spec.name);
  mkdirSync(dirname(lock), { recursive: true, mode: 0o700 });
  return withFileLock(
    lock,
    async () => {
      const existing = await deps.docker.inspectNetwork(spec.name);
      if (existing) {
        checkExisting(existing, spec);
        return false;
      }
      try {
        await deps.docker.createNetwork(spec);
      } catch (e) {
        if (!(e instanceof EngineRefusedError)) throw e;
        // Made meanwhile by another CILO_HOME (another account: our lock is our home's): cilo's own error.
        const raced = e.refusal === 'exists' && (await deps.docker.inspectNetwork(spec.name));
        if (raced) {
          checkExisting(raced, spec);
          return false;
        }
        if (e.refusal === 'pools-exhausted') throw poolsExhausted(spec.name);
        if (e.refusal === 'overlap') throw new SubnetTakenError(spec.subnet);
        throw e;
      }
      return true;
    },
    deps.locks,
  );
}

/** An existing network of the wanted name must be the one cilo made for this environment. */
function checkExisting(existing: NetworkInfo, spec: NetworkSpec): void {
  const ownedBy = existing.labels[LABEL_ENV];
  if (existing.labels[LABEL_MANAGED] !== 'true' || ownedBy !== spec.labels[LABEL_ENV])
    throw new UserError(
      `a Docker network named ${spec.name} already exists and cilo did not create it for this environment`,
      `remove or rename it (docker network rm ${spec.name}) if it is unused, or pick another environment name with -p`,
    );
  if (existing.labels[LABEL_HOME] !== spec.labels[LABEL_HOME])
    throw new UserError(
      `Docker network ${spec.name} belongs to an environment of another CILO_HOME`,
      `environment names are unique per machine: pick another name with -p, or use that CILO_HOME`,
    );
  if (!existing.subnets.includes(spec.subnet))
    throw new UserError(
      `Docker network ${spec.name} has subnet ${existing.subnets.join(', ') || 'none'}, but cilo's state says ${spec.subnet}`,
      `run 'cilo doctor' to see the drift; 'cilo destroy' and re-create the environment to start clean`,
    );
}

function isOurs(n: NetworkInfo, spec: NetworkSpec): boolean {
  return (
    [LABEL_MANAGED, LABEL_ENV, LABEL_HOME].every((l) => n.labels[l] === spec.labels[l]) &&
    n.subnets.includes(spec.subnet)
  );
}

/** Removes a network cilo created for this home. Missing is fine; still-connected containers are an error. */
export async function removeOwnedNetwork(deps: NetworkDeps, name: string): Promise<void> {
  const existing = await deps.docker.inspectNetwork(name);
  if (!existing) return;
  if (existing.labels[LABEL_MANAGED] !== 'true') {
    deps.log.warn(`left Docker network ${name} in place: cilo did not create it`);
    return;
  }
  // A home's environment of the same name (docs/DESIGN.md §13): not this home's to remove.
  const owner = existing.labels[LABEL_HOME];
  if (owner && owner !== homeId(deps.home)) {
    deps.log.warn(`left Docker network ${name} in place: another CILO_HOME created it`);
    return;
  }
  try {
    await deps.docker.removeNetwork(existing.id);
  } catch (e) {
    if (!(e instanceof EngineRefusedError && e.refusal === 'in-use')) throw e;
    throw new UserError(
      `could not remove Docker network ${name}: ${e.engineMessage}`,
      `containers still attached: ${
        Object.values(existing.containers)
          .map((c) => c.name)
          .join(', ') || 'none listed'
      }; stop them and run the command again`,
    );
  }
}
