// The check of `cilo doctor` about the forwards of engines reached over ssh (steps/forwards.ts): a connection that
// should carry forwards and is not up. Its supervisor restores it by itself within seconds; --fix starts
// the supervisor again (and with it the connection) when it is gone or stuck.
import { enginesInUse } from '../../../state/schema.js';
import { onEngine } from '../../../context.js';
import { forwardedPorts, forwardState, restoreForwards } from '../../steps/forwards.js';
import type { Check, Finding } from './checks.js';

const forwardDown: Check = {
  scope: 'home',
  kind: 'forward-down',
  async find(state, ctx): Promise<Finding[]> {
    const out: Finding[] = [];
    for (const engine of enginesInUse(state)) {
      const on = onEngine(ctx, engine, state.hosts[engine]?.engine);
      if ((await forwardState(on)) !== 'down') continue;
      const ports = forwardedPorts(state, engine);
      out.push({
        kind: 'forward-down',
        engine,
        subject: `forwards of ${engine}`,
        problem: `the ssh connection that forwards ${ports.length} port(s) of engine ${engine} to this host is down`,
        fix: 'start it again with every forward',
      });
    }
    return out;
  },
  repair: (ctx) => restoreForwards(ctx),
};

export const FORWARD_CHECKS: readonly Check[] = [forwardDown];
