// Reading a project's compose files for cilo: its x-cilo and, when the files alone say it exactly, its model.
// What the same bytes said last time is reused (state/cache.ts): the YAML parser is not even loaded then.
import type { ResolvedProject } from '../../compose/resolve.js';
import type { ProjectModel } from '../../compose/model.js';
import { projectFromFiles } from '../../compose/project-files.js';
import { readXCilo, type XCilo } from '../../compose/x-cilo.js';
import { parseComposeFile } from '../../compose/yaml-file.js';
import { cacheKey, readCache, writeCache } from '../../state/cache.js';

export interface ProjectFiles {
  xcilo: XCilo;
  model?: ProjectModel;
}

/** The cache key of a project's files: their paths and bytes, and the project name the model is read for. */
const keyOf = (project: ResolvedProject) =>
  cacheKey(project.name, project.files.length, ...[...project.texts].flatMap(([file, text]) => [file, text]));

/**
 * x-cilo and, when the files alone say it exactly, the project model (saves a `docker compose config`,
 * ~80 ms). Every file is parsed once; a file that is not there or not readable is left to Compose to report.
 * Files with an error are never cached: the error is reported each time. `remember: false` for a command that
 * must write nothing (a preview: `config`); it still reads what an earlier command remembered.
 */
export async function readProjectFiles(project: ResolvedProject, home: string, remember = true): Promise<ProjectFiles> {
  const key = keyOf(project);
  const cached = readCache<{ xcilo: XCilo; model: ProjectModel | null }>(home, 'projects', key);
  if (cached) return { xcilo: cached.xcilo, model: cached.model ?? undefined };
  const parsed = await Promise.all([...project.texts].map(([file, text]) => parseComposeFile(file, text)));
  const xcilo = await readXCilo(parsed);
  const complete = parsed.length === project.files.length;
  const model = complete ? projectFromFiles(parsed, project.name) : undefined;
  if (remember) writeCache(home, 'projects', key, { xcilo, model: model ?? null });
  return { xcilo, model };
}
