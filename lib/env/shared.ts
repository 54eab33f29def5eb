// Shared-network bookkeeping that several commands need.
import { UserError } from '../errors/index.js';
import { envKey, findEnvByName, localEnvironments, type Environment, type State } from '../state/schema.js';

/** The error for joining a network that does not exist: who publishes it, in what state, how to fix it. */
export function describeMissingNetwork(state: State, network: string): UserError {
  const record = state.shared_networks[network];
  const publisherKey = record?.created_by !== 'external' ? record?.created_by : undefined;
  const publisher = publisherKey ? localEnvironments(state)[publisherKey] : undefined;
  const guessed = network.startsWith('cilo-shared-') ? findEnvByName(state, network.slice('cilo-shared-'.length))?.[1] : undefined;
  let why: string;
  let hint: string;
  if (publisher) {
    why = `it is published by ${publisherKey}, which is ${publisher.status}`;
    hint = `start the publisher: cilo up ${publisher.name} --create-shared`;
  } else if (publisherKey) {
    // `destroy --force` of the publisher keeps the record while consumers still reference the network.
    const name = publisherKey.slice(publisherKey.indexOf('/') + 1);
    why = `it was removed when its publisher, environment ${name}, was destroyed (${publisherKey} published it)`;
    hint = `re-create the publisher and publish it again: cilo create ${name} --from <dir>, then cilo up ${name} --create-shared`;
  } else if (guessed) {
    why = `environment ${envKey(guessed.project, guessed.name)} exists (${guessed.status}) but does not publish it`;
    hint = `publish it: cilo up ${guessed.name} --create-shared`;
  } else {
    why = 'no cilo environment publishes it';
    hint = network.startsWith('cilo-shared-')
      ? `publish it: cilo up ${network.slice('cilo-shared-'.length)} --create-shared (or create it: docker network create ${network})`
      : `create it (docker network create ${network}) or fix the name`;
  }
  return new UserError(`shared network ${network} does not exist: ${why}`, `${hint}; nothing was created or started`);
}

/**
 * Drops `key` from the references of `network` (inside a locked update). A record is kept while anyone
 * references it; the last reference to a network whose publisher is gone (or that cilo did not create)
 * takes the record with it.
 */
export function dropReference(state: State, network: string, key: string): void {
  const record = state.shared_networks[network];
  if (!record) return;
  record.referenced_by = record.referenced_by.filter((k) => k !== key);
  releaseIfUnused(state, network);
}

/** Deletes the record of a network nobody references whose publisher is gone or not cilo. */
export function releaseIfUnused(state: State, network: string): void {
  const record = state.shared_networks[network];
  const publisherGone = record && (record.created_by === 'external' || !localEnvironments(state)[record.created_by]);
  if (record && publisherGone && record.referenced_by.length === 0) delete state.shared_networks[network];
}

/** Removes an environment's references to the networks it joined (inside a locked update). */
export function dropReferences(state: State, key: string, env: Environment): void {
  for (const net of env.shared_networks) dropReference(state, net, key);
}

/** Keys of other environments referencing the networks `key` publishes, per network. */
export function consumersOf(state: State, key: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [net, record] of Object.entries(state.shared_networks)) {
    if (record.created_by !== key) continue;
    const others = record.referenced_by.filter((k) => k !== key);
    if (others.length > 0) out.set(net, others);
  }
  return out;
}
