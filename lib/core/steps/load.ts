// Loading a registered environment with what every command about it needs: its key and record, the state
// they were read from, and its compose project as Compose would see it from the environment's source.
import { existsSync } from 'node:fs';
import { UserError } from '../../errors/index.js';
import { selectorOf, type ProjectSelector } from '../../compose/command.js';
import { resolveProject, type ProjectQuery, type ResolvedProject } from '../../compose/resolve.js';
import { validateName } from '../../state/names.js';
import { overrideFile } from '../../state/paths.js';
import { findEnvByName, environmentsOf, type Environment, type State } from '../../state/schema.js';
import type { Context } from '../../context.js';

export interface LoadedEnvironment {
  key: string;
  record: Environment;
  /** The state the record was read from (one read of the file). */
  state: State;
  /** The compose project at the environment's source, or undefined when the source or its files are gone. */
  project?: ResolvedProject;
  selector?: ProjectSelector;
}

/** The project an environment remembers: its files (when they were given explicitly) and its name. */
export function rememberedQuery(record: Pick<Environment, 'name' | 'compose_files'>): ProjectQuery {
  return { files: record.compose_files ?? [], projectName: record.name, envFiles: [], profiles: [] };
}

export function projectAt(ctx: Context, record: Environment): ResolvedProject | undefined {
  return existsSync(record.source) ? resolveProject(rememberedQuery(record), record.source, ctx.processEnv) : undefined;
}

export function loadEnvironment(ctx: Context, name: string): LoadedEnvironment {
  validateName(name, 'environment name');
  const state = ctx.store.read();
  const found = findEnvByName(state, name);
  if (!found)
    throw new UserError(
      `no environment named ${name}`,
      `see 'cilo list', or create it: cilo create ${name} --from <dir>`,
    );
  const [key, record] = found;
  const project = projectAt(ctx, record);
  return { key, record, state, project, selector: project && selectorOf(project) };
}

/** The override the environment's last `up` wrote, when there is one: Compose is given it after the files. */
export function writtenOverride(home: string, name: string): string | undefined {
  const path = overrideFile(home, name);
  return existsSync(path) ? path : undefined;
}

/** The project of a loaded environment, for commands that run Compose on it. */
export function requireProject(e: LoadedEnvironment): { project: ResolvedProject; selector: ProjectSelector } {
  if (!e.project || !e.selector)
    throw new UserError(
      `the compose project of ${e.record.name} is gone: no compose file in ${e.record.source}`,
      `restore it, or remove the environment: cilo destroy ${e.record.name}`,
    );
  return { project: e.project, selector: e.selector };
}

/** The names a user may type for environments and shared networks (none when the state cannot be read). */
export function knownNames(ctx: Context): { environments: string[]; sharedNetworks: string[] } {
  try {
    const state = ctx.store.read();
    return {
      environments: Object.values(environmentsOf(state))
        .map((e) => e.name)
        .sort(),
      sharedNetworks: Object.keys(state.shared_networks).sort(),
    };
  } catch {
    return { environments: [], sharedNetworks: [] };
  }
}
