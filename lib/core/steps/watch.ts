// While Compose runs in the foreground (an attached `up`, a `run`), the environment's services must resolve
// and answer already, not only once it returns: cilo looks every second, and once they run starts the DNS
// server, routes them and forwards their ports (an engine over ssh).
import { startDnsAfterCommand } from '../../dns/server.js';
import type { Environment } from '../../state/schema.js';
import type { Context } from '../../context.js';
import { syncForwards } from './forwards.js';
import { syncRouter } from './router.js';
import { observeEnvironment } from './observe.js';

/** Observes the environment every second until stopped (and the observation in flight has finished). */
export function watchWhileRunning(ctx: Context, record: Environment): { stop(): Promise<void> } {
  let inFlight: Promise<void> | undefined;
  let started = false;
  const timer = setInterval(() => {
    if (inFlight) return; // one look at a time: a slow engine skips ticks
    inFlight = observeEnvironment(ctx, record.name, record)
      .then(async (observed) => {
        if (observed?.record.status === 'running' && !started) {
          started = true;
          await startDnsAfterCommand(ctx, observed.state);
          await syncRouter(ctx);
          await syncForwards(ctx);
        }
      })
      .catch(() => undefined) // retried on the next tick; the observation after Compose returns reports
      .finally(() => (inFlight = undefined));
  }, 1000);
  return {
    async stop() {
      clearInterval(timer);
      await inFlight;
    },
  };
}
