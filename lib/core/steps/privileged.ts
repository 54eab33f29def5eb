// The few writes outside CILO_HOME that need root: the system's trust store (`cilo router trust --install`)
// and the resolver's configuration (`cilo dns setup`). cilo runs as the user and asks sudo for those writes
// alone, the way `mkcert -install` does (docs/DESIGN.md §7): under `sudo cilo …` the home would be root's.
import { programPath } from '../../docker/binaries.js';
import { UserError } from '../../errors/index.js';
import type { Context } from '../../context.js';

export interface RootWrite {
  path: string;
  content: string;
}

/** `sudo cilo …` would act on root's home (its CA, its suffixes): refused, with the way that works. */
export function refuseUnderSudo(ctx: Context, command: string): void {
  const user = ctx.processEnv.SUDO_USER;
  if (ctx.host.uid !== 0 || !user || user === 'root' || ctx.processEnv.CILO_HOME) return;
  throw new UserError(
    `'sudo ${command}' would act on root's cilo home (${ctx.home}), not on ${user}'s`,
    `run '${command}' as ${user}: it asks sudo for the one write that needs root`,
  );
}

// Staged next to its place and renamed: a reader never sees half a file.
const WRITE = 'umask 022 && mkdir -p "${1%/*}" && cat > "$1.cilo-tmp" && mv -f "$1.cilo-tmp" "$1"';

/**
 * Writes each file, then runs each command, as root: directly when cilo runs as root, else through sudo
 * (on the terminal, where it may ask for the password). A refusal is a user error naming what to run.
 */
export async function asRoot(ctx: Context, writes: readonly RootWrite[], commands: readonly string[][]) {
  const sudo = ctx.host.uid === 0 ? [] : ['sudo'];
  const run = async (what: string, argv: string[], input?: string) => {
    const [cmd, ...args] = [...sudo, ...argv] as [string, ...string[]];
    const r = await ctx.runner.exec(cmd, args, { env: ctx.processEnv, ...(input !== undefined && { input }) });
    if (r.code !== 0 || r.signal)
      throw new UserError(
        `${what} needs root${sudo.length ? ', and sudo did not do it' : ''} (${r.signal ?? `exit ${r.code}`})`,
        `run it where sudo works, or do it as root yourself ('--print' shows what cilo would write and run)`,
      );
  };
  for (const w of writes) {
    ctx.log.info(`writing ${w.path}${sudo.length ? ' (sudo)' : ''}`);
    await run(`writing ${w.path}`, ['sh', '-c', WRITE, 'sh', w.path], w.content);
  }
  // update-ca-certificates is in /usr/sbin, off a user's PATH (sudo's secure_path has it; root's may not).
  for (const [cmd, ...args] of commands)
    await run([cmd, ...args].join(' '), [programPath(cmd!, ctx.processEnv), ...args]);
}
