// Forwards for an engine reached over ssh (docs/DESIGN.md §7, "An engine on another machine"): each host port its
// environments publish, and its router's, is forwarded from this machine's loopback to the same port on the
// engine's machine, through one multiplexed connection of the user's own ssh (config, keys, agent, jump
// hosts). A small supervisor keeps that connection: when it drops it starts it again with every forward of
// its list file; cilo adds and cancels forwards on the running connection, so open connections stay.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { endpointUrl } from '../../docker/api.js';
import { envFor, sshTarget, type SshTarget } from '../../docker/engines.js';
import { connectionFiles, SSH_WRAPPER } from '../../docker/ssh.js';
import { processAlive } from '../../docker/pids.js';
import { withFileLock } from '../../state/lock.js';
import { environmentsOf, engineOf, type State } from '../../state/schema.js';
import { readFileIfExists, writeFileAtomic } from '../../state/store.js';
import type { Context } from '../../context.js';
import { hostPortsOf } from '../environment/ports.js';

/** The ssh target of the engine `ctx` talks to, when it is reached over ssh. */
export const forwardTarget = (ctx: Context): SshTarget | undefined =>
  sshTarget(endpointUrl(envFor(ctx.processEnv, ctx.engine.endpoint), ctx.host.userHome));

/** The ports forwarded for `engine`: every host port its environments publish, and its router's. */
export function forwardedPorts(state: State, engine: string): number[] {
  const envs = Object.entries(environmentsOf(state)).filter(([key]) => (engineOf(state, key) ?? 'local') === engine);
  const ports = envs.flatMap(([, env]) => (env.ports ?? []).filter((p) => p.protocol === 'tcp').flatMap(hostPortsOf));
  // The router's while an environment is there: the last destroy closes the connection.
  const router = state.hosts[engine]?.router;
  if (router && envs.length > 0) ports.push(router.http_port, router.https_port);
  return [...new Set(ports)].sort((a, b) => a - b);
}

const paths = connectionFiles;
type Paths = ReturnType<typeof paths>;

const spec = (port: number) => `127.0.0.1:${port}:127.0.0.1:${port}`;
const listText = (ports: readonly number[]) => ports.map((p) => `-L ${spec(p)}\n`).join('');
const listPorts = (text: string | undefined) =>
  [...(text ?? '').matchAll(/^-L 127\.0\.0\.1:(\d+):/gm)].map((m) => Number(m[1]));

// The supervisor: while the list has forwards, the connection runs with all of them; when it ends (dropped,
// refused) it starts again a second later. `-O exit` with an empty list ends it. The list holds only what
// cilo wrote (-L and numeric specs), split into words on purpose.
const SUPERVISOR = `ctl=$1 list=$2 log=$3 dest=$4; shift 4
(
  trap '' HUP
  while [ -s "$list" ]; do
    rm -f "$ctl"
    ssh -N -M -S "$ctl" -o ControlPersist=no -o ServerAliveInterval=2 -o ServerAliveCountMax=2 \\
      -o ExitOnForwardFailure=no -o BatchMode=yes "$@" $(cat "$list") -- "$dest"
    sleep 1
  done
  rm -f "$ctl"
) < /dev/null >> "$log" 2>&1 &
echo "$! $$"`;

/** The supervisor's pid and its process group (its ssh is in it too), while it runs. */
function supervisor(p: Paths): { pid: number; group: number } | undefined {
  const [pid, group] = (readFileIfExists(p.pid) ?? '').trim().split(' ').map(Number);
  if (!pid || !group || !processAlive(pid)) return undefined;
  // A pid the system gave to another program since: not ours.
  const cmdline = readFileIfExists(`/proc/${pid}/cmdline`);
  return cmdline === undefined || cmdline.includes(p.ctl) ? { pid, group } : undefined;
}

/** Ends the supervisor and its connection (the whole process group). */
function stopSupervisor(p: Paths): void {
  const s = supervisor(p);
  if (s)
    try {
      process.kill(-s.group, 'SIGTERM');
    } catch {
      // already gone
    }
  for (const f of [p.pid, p.ctl]) rmSync(f, { force: true });
}

/** Runs `ssh -S CTL -O <op> [args] DEST` on the running connection; true when it worked. */
async function control(ctx: Context, p: Paths, t: SshTarget, op: string, args: string[] = []): Promise<boolean> {
  const r = await ctx.runner.run('ssh', ['-S', p.ctl, '-O', op, ...args, '--', t.destination], {
    env: ctx.processEnv,
    timeoutMs: 10_000,
  });
  return r.code === 0;
}

/** Whether the engine's connection is up with its forwards: `up`, `down` (being restored), or none kept. */
export async function forwardState(ctx: Context, engine = ctx.engine.name): Promise<'up' | 'down' | 'none'> {
  const t = forwardTarget(ctx);
  const p = paths(ctx.home, engine);
  if (!t || listPorts(readFileIfExists(p.list)).length === 0) return 'none';
  return supervisor(p) !== undefined && (await control(ctx, p, t, 'check')) ? 'up' : 'down';
}

async function startSupervisor(ctx: Context, p: Paths, t: SshTarget): Promise<void> {
  mkdirSync(p.bin, { recursive: true, mode: 0o700 });
  writeFileAtomic(join(p.bin, 'ssh'), SSH_WRAPPER, { mode: 0o700 });
  const port = t.port ? ['-p', String(t.port)] : [];
  const r = await ctx.runner.run('sh', ['-c', SUPERVISOR, 'sh', p.ctl, p.list, p.log, t.destination, ...port], {
    env: ctx.processEnv,
  });
  writeFileAtomic(p.pid, `${r.stdout.trim()}\n`);
  for (let i = 0; i < 150; i++) {
    if (await control(ctx, p, t, 'check')) return;
    if (supervisor(p) === undefined) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const tail = (readFileIfExists(p.log) ?? '').trim().split('\n').slice(-3).join('; ');
  ctx.log.warn(
    `the ssh connection to ${t.destination} for its forwards is not up yet${tail ? ` (${tail})` : ''}: it keeps trying; 'cilo doctor' reports it`,
  );
}

/**
 * Makes the engine's forwards what state says (`ctx`'s engine, when it is reached over ssh): starts the
 * connection when the first port comes, adds and cancels forwards on it, closes it when none is left.
 */
export async function syncForwards(ctx: Context): Promise<void> {
  const t = forwardTarget(ctx);
  if (!t) return;
  const p = paths(ctx.home, ctx.engine.name);
  mkdirSync(p.dir, { recursive: true, mode: 0o700 });
  await withFileLock(p.lock, () => applyForwards(ctx, p, t), ctx.locks);
}

async function applyForwards(ctx: Context, p: Paths, t: SshTarget): Promise<void> {
  const wanted = forwardedPorts(ctx.store.read(), ctx.engine.name);
  const had = listPorts(readFileIfExists(p.list));
  writeFileAtomic(p.list, listText(wanted), { mode: 0o600 });
  if (wanted.length === 0) {
    stopSupervisor(p);
    rmSync(p.list, { force: true });
    return;
  }
  if (supervisor(p) === undefined) return startSupervisor(ctx, p, t);
  // Reconnecting: the connection starts again with the list as written.
  if (!existsSync(p.ctl)) return;
  for (const port of wanted.filter((x) => !had.includes(x)))
    if (!(await control(ctx, p, t, 'forward', ['-L', spec(port)])))
      ctx.log.warn(`port ${port} is not forwarded from this machine yet (is it taken here?): see ${p.log}`);
  for (const port of had.filter((x) => !wanted.includes(x))) await control(ctx, p, t, 'cancel', ['-L', spec(port)]);
}

/** The ports in an engine's list (what `status` shows as forwarded). */
export const forwardList = (home: string, engine: string): number[] =>
  listPorts(readFileIfExists(paths(home, engine).list));

/** For `cilo doctor --fix`: the supervisor started again when it is gone. */
export async function restoreForwards(ctx: Context): Promise<void> {
  const t = forwardTarget(ctx);
  const p = paths(ctx.home, ctx.engine.name);
  if (!t) return;
  await withFileLock(
    p.lock,
    async () => {
      stopSupervisor(p);
      if (forwardedPorts(ctx.store.read(), ctx.engine.name).length > 0) await startSupervisor(ctx, p, t);
    },
    ctx.locks,
  );
}
