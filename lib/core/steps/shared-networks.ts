// What cilo tells a user about shared networks, from the state (docs/DESIGN.md §8).
import { EngineUnreachableError, UserError } from '../../errors/index.js';
import { sharedNetworkOwner } from '../../state/names.js';
import { publisherOf } from '../../state/references.js';
import { envKey, findEnvByName, type State } from '../../state/schema.js';
import { onEngine, type Context } from '../../context.js';

/**
 * The error for joining a network that engine `engine` does not have: who publishes it, where and in what
 * state, how to fix it.
 */
export function describeMissingNetwork(state: State, network: string, engine: string): UserError {
  const publisher = publisherOf(state, network);
  const owner = sharedNetworkOwner(network);
  const guessed = owner !== undefined ? findEnvByName(state, owner)?.[1] : undefined;
  const { env, key, name } = publisher ?? {};
  if (env && publisher!.engine !== engine)
    return new UserError(
      `engine ${engine} cannot join shared network ${network}: it is published by ${key} on engine ${publisher!.engine} as a bridge network (shared-scope local), which only containers there can join`,
      `run this environment on ${publisher!.engine}, or publish across the swarm from a manager: cilo destroy ${name}, then cilo up ${name} --create-shared --shared-scope swarm; nothing was created or started`,
    );
  let why: string;
  let hint: string;
  if (env) {
    why = `it is published by ${key}, which is ${env.status}`;
    hint = `start the publisher: cilo up ${name} --create-shared`;
  } else if (publisher) {
    // `destroy --force` of the publisher keeps the record while consumers still reference the network.
    why = `it was removed when its publisher, environment ${name}, was destroyed (${key} published it)`;
    hint = `re-create the publisher and publish it again: cilo create ${name} --from <dir>, then cilo up ${name} --create-shared`;
  } else if (guessed) {
    why = `environment ${envKey(guessed.project, guessed.name)} exists (${guessed.status}) but does not publish it`;
    hint = `publish it: cilo up ${guessed.name} --create-shared`;
  } else {
    why = 'no cilo environment publishes it';
    hint = owner
      ? `publish it: cilo up ${owner} --create-shared (or create it: docker network create ${network})`
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
  const engine = publisherOf(state, name)?.engine ?? ctx.engine.name;
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
