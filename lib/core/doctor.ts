// `cilo doctor`: one look at state and Docker, every check of the table run on it; --fix repairs the
// findings one by one (doctor-checks.ts).
import { homeId } from '../state/paths.js';
import { LABEL_HOME } from '../network/networks.js';
import type { NetworkInfo } from '../docker/docker.js';
import type { Context } from '../context.js';
import { CHECKS, type Finding, type Snapshot } from './doctor-checks.js';

export type { Finding, FindingKind } from './doctor-checks.js';

async function snapshot(ctx: Context): Promise<Snapshot> {
  const [networks, containers] = await Promise.all([ctx.docker.listNetworks(), ctx.docker.listContainers([])]);
  const byName = new Map<string, NetworkInfo[]>();
  for (const n of networks) byName.set(n.name, [...(byName.get(n.name) ?? []), n]);
  const id = homeId(ctx.home);
  return { state: ctx.store.read(), networks, containers, byName, ours: (labels) => labels[LABEL_HOME] === id };
}

export async function diagnose(ctx: Context): Promise<Finding[]> {
  const s = await snapshot(ctx);
  const findings: Finding[] = [];
  for (const check of CHECKS) findings.push(...(await check.find(s, ctx)));
  return findings;
}

/** Repairs the findings one by one; each repair re-checks what it acts on. */
export async function repair(ctx: Context, findings: Finding[]): Promise<Finding[]> {
  for (const f of findings) {
    try {
      await CHECKS.find((c) => c.kind === f.kind)!.repair(ctx, f);
      f.fixed = true;
    } catch (e) {
      f.fixed = false;
      f.error = (e as Error).message;
    }
  }
  return findings;
}
