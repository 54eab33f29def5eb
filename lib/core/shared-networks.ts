// What cilo tells a user about shared networks, from the state (docs/DESIGN.md §8).
import { EngineUnreachableError, UserError } from '../errors/index.js';
import { engineOf, envKey, findEnvByName, environmentsOf, type State } from '../state/schema.js';
import { onEngine, type Context } from '../context.js';

/**
 * The error for joining a network that engine `engine` does not have: who publishes it, where and in what
 * state, how to fix it.
 */
export function describeMissingNetwork(state: State, network: string, engine: string): UserError {
  const record = state.shared_networks[network];
  const publisherKey = record?.created_by !== 'external' ? record?.created_by : undefined;
  const publisher = publisherKey ? environmentsOf(state)[publisherKey] : undefined;
  const publisherEngine = publisherKey ? engineOf(state, publisherKey) : undefined;
  const guessed = network.startsWith('cilo-shared-')
    ? findEnvByName(state, network.slice('cilo-shared-'.length))?.[1]
    : undefined;
  let why: string;
  let hint: string;
  if (publisher && publisherEngine !== engine) {
    why = `it is published by ${publisherKey} on engine ${publisherEngine} as a bridge network (shared-scope local), which only containers there can join`;
    hint = `run this environment on ${publisherEngine}, or publish across the swarm from a manager: cilo destroy ${publisher.name}, then cilo up ${publisher.name} --create-shared --shared-scope swarm`;
    return new UserError(
      `engine ${engine} cannot join shared network ${network}: ${why}`,
      `${hint}; nothing was created or started`,
    );
  }
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

/** Warns that consumers lose a publisher's services while it is down. */
export function consumerWarnings(consumers: Map<string, string[]>, name: string): string[] {
  return [...consumers].map(
    ([net, keys]) =>
      `${name} publishes ${net}, used by ${keys.join(', ')}: they lose its services until 'cilo up ${name}' (the network stays)`,
  );
}

/** Does the network exist on its publisher's engine (this one for others)? null: that engine does not answer. */
async function existsWhereIt(ctx: Context, state: State, name: string): Promise<boolean | null> {
  const by = state.shared_networks[name]!.created_by;
  const engine = (by !== 'external' && engineOf(state, by)) || ctx.engine.name;
  try {
    return (await onEngine(ctx, engine, state.hosts[engine]?.engine).docker.inspectNetwork(name)) !== undefined;
  } catch (e) {
    if (e instanceof EngineUnreachableError) return null;
    throw e;
  }
}

/**
 * The shared networks in state (or the one named), and whether each exists in Docker. A name state does
 * not know is an error.
 */
export async function sharedNetworks(
  ctx: Context,
  name?: string,
): Promise<{ state: State; names: string[]; exists: (boolean | null)[] }> {
  const state = ctx.store.read();
  if (name !== undefined && !state.shared_networks[name])
    throw new UserError(`shared network ${name} not found in cilo's state`, "see 'cilo shared list'");
  const names = name !== undefined ? [name] : Object.keys(state.shared_networks).sort();
  const exists = await Promise.all(names.map((n) => existsWhereIt(ctx, state, n)));
  return { state, names, exists };
}
