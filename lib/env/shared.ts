// Shared-network bookkeeping that several commands need.
import { UserError } from '../errors/index.js';
import { envKey, findEnvByName, localEnvironments, type Environment, type State } from '../state/schema.js';

/** The error for joining a network that does not exist: who publishes it, in what state, how to fix it. */
export function describeMissingNetwork(state: State, network: string, consumer: string): UserError {
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
    why = `it was published by ${publisherKey}, which has been destroyed`;
    hint = `re-create the publisher and run 'cilo up <name> --create-shared', or drop the network from ${consumer}`;
  } else if (guessed) {
    why = `environment ${envKey(guessed.project, guessed.name)} exists (${guessed.status}) but does not publish it`;
    hint = `publish it: cilo up ${guessed.name} --create-shared`;
  } else if (findEnvByName(state, consumer)?.[1].broken_shared_networks?.includes(network)) {
    // `destroy --force` of the publisher removed the network and its record, and marked this consumer.
    const publisher = network.startsWith('cilo-shared-') ? network.slice('cilo-shared-'.length) : undefined;
    why = `it was removed when ${publisher ? `its publisher, environment ${publisher},` : 'its publisher'} was destroyed with --force`;
    hint = publisher
      ? `re-create the publisher and publish it again: cilo create ${publisher} --from <dir>, then cilo up ${publisher} --create-shared`
      : `create it again (docker network create ${network})`;
  } else {
    why = 'no cilo environment publishes it';
    hint = network.startsWith('cilo-shared-')
      ? `publish it: cilo up ${network.slice('cilo-shared-'.length)} --create-shared (or create it: docker network create ${network})`
      : `create it (docker network create ${network}) or fix the name`;
  }
  return new UserError(`shared network ${network} does not exist: ${why}`, `${hint}; nothing was created or started`);
}

/** Removes an environment's references to the networks it joined (inside a locked update). */
export function dropReferences(state: State, key: string, env: Environment): void {
  for (const net of env.shared_networks) {
    const record = state.shared_networks[net];
    if (!record) continue;
    record.referenced_by = record.referenced_by.filter((k) => k !== key);
    if (record.referenced_by.length === 0 && record.created_by === 'external') delete state.shared_networks[net];
  }
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
