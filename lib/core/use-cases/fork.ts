// `cilo fork SRC NEW` (docs/DESIGN.md §12): NEW is registered from SRC's project and files, and SRC's named
// volumes are copied into NEW's through the engine: `docker cp` streams a tar out of one container and into
// another, both created and never started, so no program is needed in any image and a remote engine works the
// same. A running SRC is paused for the copy (unless live) so a database is copied at rest.
import { randomBytes } from 'node:crypto';
import { UserError } from '../../errors/index.js';
import { checkInterrupted, undoing } from '../../docker/interruption.js';
import type { ContainerMounts, VolumeInfo } from '../../docker/volumes.js';
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
  copiedVolumes,
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
    ctx.docker.projectMounts(src.record.name),
    ctx.docker.projectVolumes(src.record.name),
  ]);
  const owned = new Set(volumes.map((v) => v.name));
  const { uncopied, emptyMounts } = chooseUncopied(src.key, uncopiedMounts(containers, owned), o.uncopied);
  // The container that reads SRC's volumes is created while NEW is registered (the copy's fixed cost).
  const helpers = new CopyHelpers(ctx, name, copiedVolumes(volumes), containers);
  let created: EnvironmentOutcome;
  try {
    created = await createEnvironment(ctx, {
      name,
      from: src.record.source,
      files: src.record.compose_files,
      knownFiles: true,
      project: src.record.project,
      sharedNetworks: src.record.shared_networks.filter((n) => !src.record.broken_shared_networks?.includes(n)),
      additions: { forked_from: src.key, ...(emptyMounts.length > 0 ? { empty_mounts: emptyMounts } : {}) },
    });
  } catch (e) {
    await undoing(() => helpers.remove());
    throw e;
  }
  const copies = volumeCopies(volumes, created.record, homeId(ctx.home));
  const pause = o.live ? [] : containers.filter((c) => c.running && !c.paused).map((c) => c.id);
  try {
    ctx.log.info(
      `copying ${copies.length} volume${copies.length === 1 ? '' : 's'} of ${src.key}${pause.length ? ` (paused for the copy)` : ''}`,
    );
    await copyVolumes(ctx, copies, pause, helpers);
    // A signal during the copy's last cleanup still means "stop": the command then says it was interrupted,
    // so the fork goes too.
    checkInterrupted();
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
 * Unpauses `ids`: all of them when the pause finished (`all`), else those that are paused (a pause cut short
 * by a signal may have paused some or none). A failure is said with the fix, never hidden.
 */
async function unpause(ctx: Context, ids: readonly string[], all: boolean): Promise<void> {
  try {
    const paused = all ? ids : (await ctx.docker.inspectContainers(ids)).filter((c) => c.paused).map((c) => c.id);
    await ctx.docker.pause(paused, false);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    ctx.log.warn(`could not unpause the source's container(s) ${ids.join(' ')}: ${e.message}; docker unpause them`);
  }
}

/** An image the engine has: one SRC's containers run, else cilo's own anchor image (built, never pulled). */
async function helperImage(ctx: Context, containers: readonly ContainerMounts[]): Promise<string> {
  if (containers[0]) return containers[0].image;
  await ensureAnchorImage(ctx.docker, (await ctx.docker.engineInfo()).architecture);
  return ANCHOR_IMAGE;
}

/**
 * The two containers of a copy, created and never started: one mounts every source volume read-only, the
 * other every destination. The source's is created at once (it needs only SRC's volumes), the other once the
 * fork's volumes are named.
 */
class CopyHelpers {
  readonly names: { from: string; to: string };
  private readonly image: Promise<string>;
  private readonly from: Promise<unknown>;
  private to?: Promise<unknown>;
  private readonly begun: string[] = [];

  constructor(
    private readonly ctx: Context,
    private readonly fork: string,
    sources: readonly VolumeInfo[],
    containers: readonly ContainerMounts[],
  ) {
    const id = randomBytes(4).toString('hex');
    this.names = { from: `cilo-fork-${fork}-from-${id}`, to: `cilo-fork-${fork}-to-${id}` };
    this.image = helperImage(ctx, containers);
    this.from = sources.length === 0 ? Promise.resolve() : this.create('from', sources);
    this.from.catch(() => undefined); // awaited by ready() or remove(); never an unhandled rejection
  }

  /** Both created (the destination's from `copies`), or the first failure. */
  async ready(copies: readonly VolumeCopy[]): Promise<void> {
    this.to = this.create(
      'to',
      copies.map((c) => c.to),
    );
    await allDone([this.from, this.to]);
  }

  /** Removes those begun once their creation ended (one whose creation failed is missing: removal counts it done). */
  async remove(): Promise<void> {
    await Promise.allSettled([this.from, this.to]);
    if (this.begun.length === 0) return;
    await this.ctx.docker.removeContainers(this.begun).catch((e: unknown) => {
      if (!(e instanceof UserError)) throw e;
      this.ctx.log.warn(`could not remove ${this.begun.join(' ')}: ${e.message}; docker rm -f them`);
    });
  }

  private async create(side: 'from' | 'to', volumes: readonly Pick<VolumeInfo, 'name'>[]) {
    this.begun.push(this.names[side]);
    return this.ctx.docker.createContainer({
      name: this.names[side],
      image: await this.image,
      entrypoint: '/cilo-never-started',
      labels: {
        [LABEL_MANAGED]: 'true',
        [LABEL_ENV]: this.fork,
        [LABEL_HOME]: homeId(this.ctx.home),
        [LABEL_FORK_HELPER]: side,
      },
      network: 'none',
      logDriver: 'none',
      volumes: volumes.map((v, i) => ({ source: v.name, target: `/cilo-volumes/${i}`, readonly: side === 'from' })),
    });
  }
}

/**
 * Creates the fork's volumes and copies SRC's into them, a `docker cp` stream per volume (owners kept on
 * Docker; Podman's archive gives root's). SRC's `pause` containers are paused only while the streams run.
 */
async function copyVolumes(ctx: Context, copies: readonly VolumeCopy[], pause: readonly string[], h: CopyHelpers) {
  let paused: readonly string[] = [];
  let pausedAll = false;
  try {
    if (copies.length === 0) return;
    await Promise.all(copies.map((c) => ctx.docker.createVolume(c.to)));
    await h.ready(copies);
    paused = pause; // before it is asked: a pause cut short may still have paused some
    await ctx.docker.pause(paused);
    pausedAll = true;
    await streamVolumes(ctx, copies, h.names);
  } finally {
    // The source runs again and the helpers go, whatever signal comes meanwhile.
    await undoing(() => Promise.all([paused.length > 0 && unpause(ctx, paused, pausedAll), h.remove()]));
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
