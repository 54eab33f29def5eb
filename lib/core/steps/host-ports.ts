// The host ports others hold (docs/DESIGN.md §7, "Published ports"): what the engine publishes for
// containers that are not this home's environments' (another home's, a router, a project that is not cilo's),
// and what a program on this host listens on. State knows neither; both are asked before a port is chosen.
import { LABEL_HOME } from '../../network/labels.js';
import { portFree } from '../../network/host-ports.js';
import type { PortRange } from '../../settings.js';
import { homeId } from '../../state/paths.js';
import type { Context } from '../../context.js';
import { allocatePorts } from '../plan/ports.js';

/** Host ports the engine publishes for containers of other homes, of no home, and for routers. */
export async function portsHeldByOthers(ctx: Context): Promise<number[]> {
  const id = homeId(ctx.home);
  return (await ctx.docker.publishedPorts(LABEL_HOME)).filter((c) => c.label !== id).flatMap((c) => c.ports);
}

/** The lowest `count` ports of the range not in `taken` and free on this host's loopback (TCP); every port
 * tried, free or not, joins `taken`. */
export async function freeHostPorts(range: PortRange, taken: Set<number>, count: number): Promise<number[]> {
  const out: number[] = [];
  while (out.length < count) {
    const port = allocatePorts(range, taken);
    taken.add(port);
    if (await portFree('127.0.0.1', port, 'tcp')) out.push(port);
  }
  return out;
}
