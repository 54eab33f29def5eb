import { lockTimeoutFromEnv, type LockOptions } from '../state/lock.js';
import type { Context } from './context.js';

/** Lock options for commands: CILO_LOCK_TIMEOUT, and a note on stderr when we have to wait. */
export function lockOptions(ctx: Context): LockOptions {
  return {
    timeoutMs: lockTimeoutFromEnv(ctx.env),
    onWait: (file, pid) => ctx.log.info(`waiting for ${file}${pid ? ` (held by pid ${pid})` : ''}...`),
  };
}
