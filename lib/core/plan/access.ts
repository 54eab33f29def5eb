// How the host reaches an engine's containers (docs/DESIGN.md §7, "Access"): `routed` only where the host can route
// to container addresses (a rootful engine on this Linux machine); everywhere else `published`.
import type { EngineInfo } from '../../docker/objects.js';
import type { Settings } from '../../settings.js';
import type { AccessMode } from '../../state/schema.js';

/** The access an engine gives, from its `/info` and whether it is on this machine (a local socket). */
export function engineAccess(info: EngineInfo, local: boolean): { mode: AccessMode; why: string } {
  if (!local) return { mode: 'published', why: 'the engine is not on this machine' };
  if (info.rootless) return { mode: 'published', why: 'the engine runs rootless' };
  if (/docker desktop/i.test(info.operatingSystem)) return { mode: 'published', why: 'the engine is Docker Desktop' };
  return { mode: 'routed', why: 'a rootful engine on this machine' };
}

/** An environment's access: CILO_ACCESS, else x-cilo.access, else its engine's. */
export function accessOf(
  settings: Pick<Settings, 'access'>,
  asked: AccessMode | undefined,
  engine: AccessMode,
): AccessMode {
  return settings.access ?? asked ?? engine;
}
