// Forwards for an engine reached over ssh (docs/DESIGN.md §7, "An engine on another machine"): its published
// ports and its router's, from this machine's loopback, over one multiplexed connection of the user's own ssh
// that a small supervisor restarts when it drops. Forwards change on the running connection, so open ones stay.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { endpointUrl } from '../../docker/api.js';
import { envFor, sshTarget, type SshTarget } from '../../docker/engines.js';
import { programPath } from '../../docker/binaries.js';
import { connectionFiles, sshWrapper } from '../../docker/ssh.js';
import { portOwner, processAlive } from '../../docker/pids.js';
import { UserError } from '../../errors/index.js';
import { withFileLock } from '../../state/lock.js';
import { environmentsOf, engineOf, type State } from '../../state/schema.js';
import { readFileIfExists, writeFileAtomic } from '../../state/store.js';
import type { Context } from '../../context.js';
import { hostPortsOf } from '../plan/ports.js';

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
// refused) it starts again a second later, after five quick failures every 10 s (a host that refuses us is
// not hammered); its log is cut at 1 MB. `-O exit` with an empty list ends it. The list holds only what cilo
// wrote (-L and numeric specs), split into words on purpose. No agent or X11 forwarding on this connection.
const SUPERVISOR = `ctl=$1 list=$2 log=$3 dest=$4; shift 4
(
  trap '' HUP
  failures=0
  while [ -s "$list" ]; do
    rm -f "$ctl"
    [ "$(wc -c < "$log")" -lt 1048576 ] || : > "$log"
    started=$(date +%s)
    ssh -N -M -S "$ctl" -o ControlPersist=no -o ServerAliveInterval=2 -o ServerAliveCountMax=2 \\
      -o ExitOnForwardFailure=no -o BatchMode=yes -o ForwardAgent=no -o ForwardX11=no \\
      "$@" $(cat "$list") -- "$dest"
    if [ $(($(date +%s) - started)) -gt 10 ]; then failures=0; else failures=$((failures + 1)); fi
    if [ "$failures" -gt 5 ]; then sleep 10; else sleep 1; fi
  done
  rm -f "$ctl"
) < /dev/null >> "$log" 2>&1 &
echo "$! $$"`;

/** The supervisor's pid and its process group (its ssh is in it too), while it runs. */
function supervisor(p: Paths): { pid: number; group: number } | undefined {
  const [pid, group] = (readFileIfExists(p.pid) ?? '').trim().split(' ').map(Number);
  if (!pid || !group || !processAlive(pid)) return undefined;
  // A pid the system gave to another program since (a reboot): not ours unless it is our loop, in our group.
  const cmdline = readFileIfExists(`/proc/${pid}/cmdline`);
  if (cmdline === undefined) return { pid, group }; // no /proc (macOS): the pid file is all there is
  const pgrp = Number(readFileIfExists(`/proc/${pid}/stat`)?.split(') ')[1]?.split(' ')[2]);
  return cmdline.includes(p.ctl) && pgrp === group ? { pid, group } : undefined;
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

/** The listed ports that another account's program listens on here. */
export const heldByOthers = (ctx: Context, ports: readonly number[]): number[] =>
  ports.filter((port) => {
    const uid = portOwner(port, 'tcp');
    return uid !== undefined && uid !== ctx.host.uid;
  });

/** Whether the engine's connection is up with its forwards: `up`, `down` (being restored), or none kept. */
export async function forwardState(ctx: Context, engine = ctx.engine.name): Promise<'up' | 'down' | 'none'> {
  const t = forwardTarget(ctx);
  const p = paths(ctx.home, engine);
  const ports = listPorts(readFileIfExists(p.list));
  if (!t || ports.length === 0) return 'none';
  // A port another account bound while the connection was down is not ours: that forward is down.
  if (heldByOthers(ctx, ports).length > 0) return 'down';
  return supervisor(p) !== undefined && (await control(ctx, p, t, 'check')) ? 'up' : 'down';
}

/** Waits up to 15 s for the connection to be up (false: it is not, or its supervisor ended). */
async function waitUntilUp(ctx: Context, p: Paths, t: SshTarget): Promise<boolean> {
  for (let i = 0; i < 150; i++) {
    if (await control(ctx, p, t, 'check')) return true;
    if (supervisor(p) === undefined) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

async function startSupervisor(ctx: Context, p: Paths, t: SshTarget): Promise<void> {
  // The docker processes' ssh over this connection, when the real one is found (else they use their own).
  const ssh = programPath('ssh', ctx.processEnv);
  mkdirSync(p.bin, { recursive: true, mode: 0o700 });
  if (isAbsolute(ssh)) writeFileAtomic(join(p.bin, 'ssh'), sshWrapper(ssh), { mode: 0o700 });
  const port = t.port ? ['-p', String(t.port)] : [];
  const r = await ctx.runner.run('sh', ['-c', SUPERVISOR, 'sh', p.ctl, p.list, p.log, t.destination, ...port], {
    env: ctx.processEnv,
  });
  writeFileAtomic(p.pid, `${r.stdout.trim()}\n`);
  if (await waitUntilUp(ctx, p, t)) return;
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
  const p = paths(ctx.home, ctx.engine.name);
  if (!t) {
    // Reached another way now (its context edited): a connection kept from before ends.
    if (supervisor(p)) stopSupervisor(p);
    return;
  }
  // ssh adds a temporary suffix to the socket's path, and a Unix socket address holds 108 bytes.
  if (p.ctl.length > 88)
    throw new UserError(
      `the ssh control socket of engine ${ctx.engine.name} would be ${p.ctl} (${p.ctl.length} bytes), too long for a Unix socket`,
      'set CILO_HOME to a shorter directory',
    );
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
  // (Re)connecting: it may have read the list before this write. Once it is up every wanted port is asked
  // for again (ssh accepts a forward it has already).
  const connecting = !existsSync(p.ctl);
  if (connecting && !(await waitUntilUp(ctx, p, t))) return;
  for (const port of wanted.filter((x) => connecting || !had.includes(x)))
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
