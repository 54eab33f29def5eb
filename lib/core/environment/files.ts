// Reading a project's compose files for cilo: its x-cilo and, when the files alone say it exactly, its model.
import type { ResolvedProject } from '../../compose/resolve.js';
import type { ProjectModel } from '../../compose/model.js';
import { projectFromFiles } from '../../compose/project-files.js';
import { readXCilo, type XCilo } from '../../compose/x-cilo.js';
import { parseComposeFile } from '../../compose/yaml-file.js';

/**
 * x-cilo and, when the files alone say it exactly, the project model (saves a `docker compose config`,
 * ~80 ms). Every file is parsed once; a file that is not there or not readable is left to Compose to report.
 */
export async function readProjectFiles(project: ResolvedProject): Promise<{ xcilo: XCilo; model?: ProjectModel }> {
  const parsed = await Promise.all([...project.texts].map(([file, text]) => parseComposeFile(file, text)));
  const xcilo = await readXCilo(parsed);
  const complete = parsed.length === project.files.length;
  return { xcilo, model: complete ? projectFromFiles(parsed, project.name) : undefined };
}
