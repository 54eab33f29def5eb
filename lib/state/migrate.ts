// Reading a state file's text: parse, migrate (version 1 to 2), and check the shape (docs/DESIGN.md §5). A
// file cilo cannot read safely is an error naming it, and is never overwritten.
import { UserError } from '../errors/index.js';
import { LOCAL_ENGINE } from '../docker/engines.js';
import { envKey, environmentsOf, parseEnvKey, STATE_VERSION, type State } from './schema.js';

export class StateFileError extends UserError {
  constructor(file: string, problem: string, hint: string) {
    super(`state file ${file} ${problem}`, hint);
    this.name = 'StateFileError';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parses and migrates a state file's text. Throws StateFileError (naming the file) for anything it cannot
 * read safely; callers must then leave the file alone.
 */
export function parseState(text: string, file: string): State {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new StateFileError(
      file,
      `is not valid JSON (${(e as Error).message})`,
      `cilo left it untouched. Repair it by hand, or move it aside to start empty (environments then need 'cilo doctor' to be found again)`,
    );
  }
  if (!isObject(raw))
    throw new StateFileError(file, 'does not hold a JSON object', 'repair it by hand or move it aside');
  const version = raw.version ?? 1;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1)
    throw new StateFileError(
      file,
      `has an invalid version ${JSON.stringify(raw.version)}`,
      'repair it by hand or move it aside',
    );
  if (version > STATE_VERSION)
    throw new StateFileError(
      file,
      `has version ${version}, newer than this cilo supports (${STATE_VERSION})`,
      'upgrade cilo; this version will not touch the file',
    );
  const state = version === 1 ? migrateV1(raw, file) : (raw as unknown as State);
  return normalize(state, file);
}

/**
 * v1 had no shared-network tracking; some v1 files kept environments at the top level. Everything is kept:
 * top-level environments move under hosts.local, keyed `<project>/<name>`.
 */
function migrateV1(raw: Record<string, unknown>, file: string): State {
  const hosts = isObject(raw.hosts) ? raw.hosts : {};
  if (isObject(raw.environments)) {
    const local = (hosts[LOCAL_ENGINE] ??= { environments: {} });
    if (!isObject(local)) throw malformed(file, 'hosts.local');
    const envs = (local.environments ??= {});
    if (!isObject(envs)) throw malformed(file, 'hosts.local.environments');
    for (const [key, env] of Object.entries(raw.environments)) {
      if (!isObject(env) || typeof env.name !== 'string') {
        envs[key] ??= env; // normalize() reports it, naming the file
        continue;
      }
      // The key and the entry must agree on the project, or envKey(env.project, env.name) finds nothing.
      const keyed = parseEnvKey(key);
      const project = typeof env.project === 'string' ? env.project : (keyed?.project ?? env.name);
      const newKey = keyed ? key : envKey(project, env.name);
      envs[newKey] ??= { ...env, project };
    }
  }
  const { environments: _dropped, ...rest } = raw;
  return { ...(rest as object), version: STATE_VERSION, hosts, shared_networks: {} } as unknown as State;
}

function malformed(file: string, what: string): StateFileError {
  return new StateFileError(file, `has a malformed ${what}`, 'repair it by hand or move it aside');
}

/** Fills defaults; anything present with the wrong shape is an error (it would be lost on the next write). */
function normalize(state: State, file: string): State {
  const present = (v: unknown) => v !== undefined && v !== null;
  if (!isObject(state.hosts)) state.hosts = {};
  const local = (state.hosts[LOCAL_ENGINE] ??= { environments: {} });
  if (!isObject(local)) throw malformed(file, 'hosts.local');
  if (present(local.environments) && !isObject(local.environments)) throw malformed(file, 'hosts.local.environments');
  local.environments ??= {};
  if (present(state.shared_networks) && !isObject(state.shared_networks)) throw malformed(file, 'shared_networks');
  state.shared_networks ??= {};
  if (typeof state.subnet_counter !== 'number') state.subnet_counter = 0;
  for (const [engine, host] of Object.entries(state.hosts)) {
    if (!isObject(host) || (present(host.environments) && !isObject(host.environments)))
      throw malformed(file, `hosts.${engine}`);
    if (present(host.engine) && !isObject(host.engine)) throw malformed(file, `hosts.${engine}.engine`);
    host.environments ??= {};
  }
  for (const [key, env] of Object.entries(environmentsOf(state))) {
    if (!isObject(env) || typeof env.name !== 'string')
      throw malformed(file, `environment entry ${JSON.stringify(key)}`);
    if (present(env.services) && !isObject(env.services))
      throw malformed(file, `environment entry ${JSON.stringify(key)} (services)`);
    env.services ??= {};
    env.shared_networks ??= [];
    for (const [name, svc] of Object.entries(env.services)) {
      if (!isObject(svc))
        throw malformed(file, `environment entry ${JSON.stringify(key)} (service ${JSON.stringify(name)})`);
      svc.addresses ??= [];
    }
  }
  for (const [name, net] of Object.entries(state.shared_networks)) {
    if (!isObject(net)) throw malformed(file, `shared network entry ${JSON.stringify(name)}`);
    net.referenced_by ??= [];
  }
  state.version = STATE_VERSION;
  return state;
}
