// `cilo fork SRC NEW` (docs/DESIGN.md §12): NEW is registered from SRC's project and files, and SRC's named
// volumes are copied into NEW's through the engine: `docker cp` streams a tar out of one container and into
// another, both created and never started, so no program is needed in any image and a remote engine works the
// same. A running SRC is paused for the copy (unless live) so a database is copied at rest.
import { randomBytes } from 'node:crypto';
import { UserError } from '../../errors/index.js';
import { undoing } from '../../docker/interruption.js';
import { createVolume, projectMounts, projectVolumes, type ContainerMounts } from '../../docker/volumes.js';
import { ANCHOR_IMAGE, ensureAnchorImage } from '../../network/anchor.js';
import { LABEL_ENV, LABEL_FORK_HELPER, LABEL_HOME, LABEL_MANAGED } from '../../network/labels.js';
import { homeId } from '../../state/paths.js';
import { markUsed } from '../../state/usage.js';
import { validateName } from '../../state/names.js';
import { findEnvByName } from '../../state/schema.js';
import type { Context } from '../../context.js';
import { bindToEnvironment } from '../steps/engines.js';
import { destroyEnvironment } from './destroy.js';
import {
  chooseUncopied,
  uncopiedMounts,
  volumeCopies,
  type UncopiedChoice,
  type UncopiedMount,
  type VolumeCopy,
} from '../plan/fork.js';
import { createEnvironment, type EnvironmentOutcome } from './lifecycle.js';
import { loadEnvironment, requireProject } from '../steps/load.js';
import { alreadyExists } from '../plan/register.js';

export interface ForkOptions {
  source: string;
  name: string;
  /** Copy while SRC runs (not paused). */
  live: boolean;
  uncopied?: UncopiedChoice;
}

/** SRC's containers, and those of them to pause for the copy. */
interface ForkSource {
  containers: readonly ContainerMounts[];
  pause: readonly string[];
}

export interface ForkOutcome extends EnvironmentOutcome {
  copied: VolumeCopy[];
  uncopied: UncopiedMount[];
  /** Whether SRC's running containers were paused for the copy. */
  paused: boolean;
}

export async function forkEnvironment(ctxGiven: Context, o: ForkOptions): Promise<ForkOutcome> {
  const name = validateName(o.name, 'environment name');
  const src = loadEnvironment(ctxGiven, o.source);
  requireProject(src);
  const known = findEnvByName(src.state, name);
  if (known) throw alreadyExists(name, known[1]);
  // The fork lives on SRC's engine: the copy streams from one of its volumes to another.
  const ctx = bindToEnvironment(ctxGiven, src.state, src.record.name);
  const [containers, volumes] = await Promise.all([
    projectMounts(ctx.docker, src.record.name),
    projectVolumes(ctx.docker, src.record.name),
  ]);
  const owned = new Set(volumes.map((v) => v.name));
  const { uncopied, emptyMounts } = chooseUncopied(src.key, uncopiedMounts(containers, owned), o.uncopied);
  const created = await createEnvironment(ctx, {
    name,
    from: src.record.source,
    files: src.record.compose_files,
    project: src.record.project,
    sharedNetworks: src.record.shared_networks.filter((n) => !src.record.broken_shared_networks?.includes(n)),
    additions: { forked_from: src.key, ...(emptyMounts.length > 0 ? { empty_mounts: emptyMounts } : {}) },
  });
  const copies = volumeCopies(volumes, created.record, homeId(ctx.home));
  const pause = o.live ? [] : containers.filter((c) => c.running && !c.paused).map((c) => c.id);
  try {
    ctx.log.info(
      `copying ${copies.length} volume${copies.length === 1 ? '' : 's'} of ${src.key}${pause.length ? ` (paused for the copy)` : ''}`,
    );
    await copyVolumes(ctx, copies, { containers, pause }, name);
  } catch (e) {
    // Also when a signal stopped the copy (docker/interruption.ts): no half fork stays.
    await undoing(() => destroyEnvironment(ctx, name, { force: true })).catch((undo: unknown) =>
      ctx.log.warn(`could not remove the unfinished fork ${name}: ${(undo as Error).message}; 'cilo destroy ${name}'`),
    );
    throw e;
  }
  markUsed(ctx.home, src.record.name);
  return { ...created, copied: copies, uncopied, paused: pause.length > 0 };
}

/**
 * Unpauses those of `ids` that are paused: a `docker pause` cut short by a signal may have paused some or
 * none. A failure is said with the fix, never hidden.
 */
async function unpause(ctx: Context, ids: readonly string[]): Promise<void> {
  const states = await ctx.docker.run(['inspect', '--format', '{{.Id}} {{.State.Paused}}', ...ids]);
  const paused = states.stdout.split('\n').flatMap((l) => (l.endsWith(' true') ? [l.split(' ')[0]!] : []));
  const r = paused.length > 0 ? await ctx.docker.run(['unpause', ...paused]) : undefined;
  if (states.code !== 0 || (r && r.code !== 0))
    ctx.log.warn(
      `could not unpause the source's container(s) ${ids.join(' ')}: ${(r ?? states).stderr.trim()}; docker unpause them`,
    );
}

/** An image the engine has: one SRC's containers run, else cilo's own anchor image (built, never pulled). */
async function helperImage(ctx: Context, containers: readonly ContainerMounts[]): Promise<string> {
  if (containers[0]) return containers[0].image;
  await ensureAnchorImage(ctx.docker, (await ctx.docker.engineInfo()).architecture);
  return ANCHOR_IMAGE;
}

/**
 * Creates the fork's volumes and copies SRC's into them: one container (never started) mounts every source
 * volume read-only, another every destination, and a `docker cp` stream per volume carries its files, owners
 * kept (on Docker; Podman's archive gives root's). SRC is paused only while the streams run.
 */
async function copyVolumes(ctx: Context, copies: readonly VolumeCopy[], from: ForkSource, fork: string) {
  if (copies.length === 0) return;
  const id = randomBytes(4).toString('hex');
  const names = { from: `cilo-fork-${fork}-from-${id}`, to: `cilo-fork-${fork}-to-${id}` };
  let paused: readonly string[] = [];
  const helper = (side: 'from' | 'to', image: string) => {
    const args = ['container', 'create', '--name', names[side], '--network', 'none', '--log-driver', 'none'];
    args.push('--entrypoint', '/cilo-never-started');
    const labels = {
      [LABEL_MANAGED]: 'true',
      [LABEL_ENV]: fork,
      [LABEL_HOME]: homeId(ctx.home),
      [LABEL_FORK_HELPER]: side,
    };
    for (const [k, v] of Object.entries(labels)) args.push('--label', `${k}=${v}`);
    copies.forEach((c, i) =>
      args.push(
        '--mount',
        `type=volume,src=${c[side].name},dst=/cilo-volumes/${i}${side === 'from' ? ',readonly' : ''}`,
      ),
    );
    return ctx.docker.check([...args, image], `creating a container to copy volumes ${side}`);
  };
  try {
    const [image] = await Promise.all([
      helperImage(ctx, from.containers),
      ...copies.map((c) => createVolume(ctx.docker, c.to)),
    ]);
    await allDone([helper('from', image), helper('to', image)]);
    paused = from.pause; // before it is asked: a pause cut short may still have paused some
    if (paused.length > 0) await ctx.docker.check(['pause', ...paused], 'pausing the source for the copy');
    await streamVolumes(ctx, copies, names);
  } finally {
    // The source runs again and the helpers go, whatever signal comes meanwhile.
    await undoing(() =>
      Promise.all([paused.length > 0 && unpause(ctx, paused), ctx.docker.run(['rm', '-f', names.from, names.to])]),
    );
  }
}

/** Waits for every promise, then fails with the first failure (none is left running behind an error). */
async function allDone(work: Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(work)).find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * One stream per volume, from inside its mount point: Podman has no parent directory of the mount points in a
 * container that never started ("no such file or directory"), and `/.` copies what is inside.
 */
async function streamVolumes(ctx: Context, copies: readonly VolumeCopy[], names: { from: string; to: string }) {
  for (let i = 0; i < copies.length; i++) {
    const r = await ctx.docker.pipe(
      ['cp', `${names.from}:/cilo-volumes/${i}/.`, '-'],
      ['cp', '-a', '-', `${names.to}:/cilo-volumes/${i}`],
    );
    const failed = [r.from, r.to].find((x) => x.code !== 0);
    if (failed)
      throw new UserError(
        `copying volume ${copies[i]!.from.name} failed: ${failed.stderr.trim() || `docker cp exited with ${failed.code}`}`,
        'check the space left on the engine (docker system df); nothing of the fork is left',
      );
  }
}
