// `cilo create / up / down / destroy`: the environment manager's operations.
import { existsSync, rmSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError, ExitCodeError } from '../errors/index.js';
import type { GlobalFlags } from '../compose/global-flags.js';
import { resolveProject, BASE_NAMES, type ResolvedProject } from '../compose/resolve.js';
import { selectorArgs } from '../compose/model.js';
import { COMPOSE_PROJECT_LABEL, removeComposeLeftovers } from '../docker/docker.js';
import { envNetworkName, LABEL_ENV, removeOwnedNetwork, sharedNetworkName } from '../network/networks.js';
import { validateName } from '../state/names.js';
import { envDir, overrideFile } from '../state/paths.js';
import { findEnvByName, localEnvironments, type Environment } from '../state/schema.js';
import { readState, updateState } from '../state/store.js';
import { syncHostsDir } from '../dns/hostsdir.js';
import type { Context } from './context.js';
import { lockOptions } from './locking.js';
import { prepareEnvironment } from './prepare.js';
import { readProjectFiles, runManaged, selectorFor } from './compose-run.js';
import { consumersOf, dropReference, dropReferences } from './shared.js';

function flagsFor(env: { name: string; compose_files?: string[] }): GlobalFlags {
  return { files: env.compose_files ?? [], projectName: env.name, envFiles: [], profiles: [], otherTokens: [], version: false, subArgs: [] };
}

function projectOf(ctx: Context, env: Environment): { flags: GlobalFlags; project: ResolvedProject } {
  const flags = flagsFor(env);
  const project = existsSync(env.source) ? resolveProject(flags, env.source, ctx.env) : undefined;
  if (!project)
    throw new UserError(
      `the compose project of ${env.name} is gone: no compose file in ${env.source}`,
      `restore it, or remove the environment: cilo destroy ${env.name}`,
    );
  return { flags, project };
}

export function getEnvironment(ctx: Context, name: string): [string, Environment] {
  validateName(name, 'environment name');
  const found = findEnvByName(readState(ctx.home), name);
  if (!found) throw new UserError(`no environment named ${name}`, `see 'cilo list', or create it: cilo create ${name} --from <dir>`);
  return found;
}

export interface CreateOptions {
  name: string;
  from: string;
  project?: string;
  sharedNetworks: string[];
}

export async function createEnvironment(ctx: Context, o: CreateOptions): Promise<Environment> {
  const name = validateName(o.name, 'environment name');
  if (o.project !== undefined) validateName(o.project, 'project name');
  const dir = resolve(ctx.cwd, o.from);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UserError(`--from ${o.from}: no such directory (${dir})`, 'give the directory that holds the compose project');
  const flags = flagsFor({ name });
  const project = resolveProject(flags, dir, ctx.env);
  if (!project || (project.discovered && project.projectDir !== dir))
    throw new UserError(`no compose file in ${dir}`, `looked for ${BASE_NAMES.join(', ')}; pass the project's directory to --from`);
  // No file-only shortcut here: `docker compose config` also validates the project being registered.
  const { xcilo } = await readProjectFiles(project);
  const prepared = await prepareEnvironment({ ...ctx, cwd: dir }, {
    selector: selectorFor(flags, project),
    source: project.projectDir,
    rememberFiles: project.discovered ? undefined : project.files,
    xcilo,
    cli: { project: o.project, sharedNetworks: o.sharedNetworks },
    mustBeNew: true,
    materialize: false,
  });
  return prepared.env;
}

export interface UpOptions {
  name: string;
  createShared: boolean;
  composeArgs: string[];
}

export async function upEnvironment(ctx: Context, o: UpOptions): Promise<Environment> {
  const [, env] = getEnvironment(ctx, o.name);
  const { flags, project } = projectOf(ctx, env);
  const r = await runManaged({ ...ctx, cwd: project.projectDir }, { flags, project, subcommand: 'up', subArgs: ['-d', ...o.composeArgs], cli: { createShared: o.createShared } });
  if (r.code !== 0 || r.signal) throw new ExitCodeError(r.code, r.signal ?? undefined);
  return getEnvironment(ctx, o.name)[1];
}

export async function downEnvironment(ctx: Context, name: string): Promise<Environment> {
  const [, env] = getEnvironment(ctx, name);
  const { flags, project } = projectOf(ctx, env);
  const r = await runManaged({ ...ctx, cwd: project.projectDir }, { flags, project, subcommand: 'down', subArgs: [] });
  if (r.code !== 0 || r.signal) throw new ExitCodeError(r.code, r.signal ?? undefined);
  return getEnvironment(ctx, name)[1];
}

export interface DestroyReport {
  key: string;
  brokeConsumers: Record<string, string[]>;
}

/**
 * Removes an environment: containers, volumes, networks, DNS records, state entry, subnets. The reference
 * check and the "destroying" mark are one locked decision, so a consumer that joins meanwhile either
 * blocks the destroy or fails cleanly.
 */
export async function destroyEnvironment(ctx: Context, name: string, force: boolean): Promise<DestroyReport> {
  validateName(name, 'environment name');
  const decided = await updateState(
    ctx.home,
    (state) => {
      const found = findEnvByName(state, name);
      if (!found) throw new UserError(`no environment named ${name}`, `see 'cilo list'`);
      const [key, env] = found;
      const consumers = consumersOf(state, key);
      if (consumers.size > 0 && !force) {
        const [net, keys] = [...consumers][0]!;
        throw new UserError(
          `cannot destroy ${key}: shared network ${net} is used by: ${keys.join(', ')}`,
          `destroy those first, or use --force to destroy anyway (it disconnects them from ${net}; they keep running without its services)`,
        );
      }
      for (const [net, keys] of consumers)
        for (const k of keys) {
          const consumer = localEnvironments(state)[k];
          if (consumer) consumer.broken_shared_networks = [...new Set([...(consumer.broken_shared_networks ?? []), net])];
        }
      env.status = 'destroying';
      env.updated_at = new Date().toISOString();
      return { key, env: structuredClone(env), consumers: Object.fromEntries(consumers) };
    },
    { ...lockOptions(ctx), afterWrite: (state) => syncHostsDir(ctx.home, state) },
  );
  const { key, env, consumers } = decided;
  for (const [net, keys] of Object.entries(consumers))
    ctx.log.warn(`destroying ${net} breaks ${keys.join(', ')}: disconnecting them; they keep running without it`);

  // Compose first (it knows the project's volumes and networks), then labels catch what it missed
  // (a source directory that is gone, containers of a failed up).
  const project = existsSync(env.source) ? resolveProject(flagsFor(env), env.source, ctx.env) : undefined;
  if (project) {
    const override = overrideFile(ctx.home, name);
    const r = await ctx.docker.compose([...selectorArgs(selectorFor(flagsFor(env), project), existsSync(override) ? [override] : []), 'down', '--volumes', '--remove-orphans'], { cwd: env.source });
    if (r.code !== 0) ctx.log.warn(`docker compose down failed (${r.stderr.trim().split('\n').pop()}); removing by label instead`);
  }
  const leftovers = (await Promise.all([ctx.docker.listContainers([`${COMPOSE_PROJECT_LABEL}=${name}`]), ctx.docker.listContainers([`${LABEL_ENV}=${name}`])])).flat();
  await ctx.docker.removeContainers([...new Set(leftovers.map((c) => c.id))]);
  await removeComposeLeftovers(ctx.docker, name, { volumes: true });

  const published = sharedNetworkName(name);
  const info = await ctx.docker.inspectNetwork(published);
  if (info) for (const id of Object.keys(info.containers)) await ctx.docker.disconnect(published, id);
  await removeOwnedNetwork(ctx, published);
  await removeOwnedNetwork(ctx, envNetworkName(name));

  await updateState(
    ctx.home,
    (state) => {
      const current = localEnvironments(state)[key];
      if (current) dropReferences(state, key, current);
      delete localEnvironments(state)[key];
      // The published network is gone (and its subnet free); its record stays while consumers (marked
      // broken) still reference it, so `shared list` and their next `up` can say what happened.
      const record = state.shared_networks[published];
      if (record?.created_by === key) {
        delete record.subnet;
        dropReference(state, published, key);
      }
    },
    { ...lockOptions(ctx), afterWrite: (state) => syncHostsDir(ctx.home, state) },
  );
  rmSync(envDir(ctx.home, name), { recursive: true, force: true });
  return { key, brokeConsumers: consumers };
}
