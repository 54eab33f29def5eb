// Anchors: on a swarm worker, an overlay network created on a manager exists only while a container there is
// attached to it, and Compose before 2.29 refuses a project that declares it `external` until then
// ("network … not found"; docker/compose#10588, #11387, #11894; docs/DESIGN.md §8). cilo starts a container
// that only waits, attached to the network, for as long as Compose needs to attach the project's own.
// Its image is built on the engine from a 129-byte program (no registry, no base image).
import type { Docker } from '../docker/docker.js';
import { EngineRefusedError } from '../docker/writes.js';
import { UserError } from '../errors/index.js';
import { LABEL_ENV, LABEL_HOME, LABEL_MANAGED } from './labels.js';

export const ANCHOR_IMAGE = 'cilo-anchor:1';
export const LABEL_ANCHOR = 'cilo.anchor';

/**
 * A static x86-64 Linux program that waits forever: `pause()` in a loop (mov eax, 34; syscall; jmp back),
 * behind a minimal ELF header and one loadable segment. As PID 1 it ignores SIGTERM, so cilo removes it with
 * force (SIGKILL).
 */
export function pauseProgram(): Buffer {
  const code = Buffer.from([0xb8, 0x22, 0, 0, 0, 0x0f, 0x05, 0xeb, 0xf7]);
  const base = 0x400000n;
  const [header, segment] = [64, 56];
  const b = Buffer.alloc(header + segment + code.length);
  b.write('\x7fELF', 0, 'latin1');
  b.set([2, 1, 1], 4); // 64-bit, little-endian, ELF version 1
  b.writeUInt16LE(2, 16); // an executable
  b.writeUInt16LE(0x3e, 18); // for x86-64
  b.writeUInt32LE(1, 20);
  b.writeBigUInt64LE(base + BigInt(header + segment), 24); // entry: the code
  b.writeBigUInt64LE(BigInt(header), 32); // program headers follow the header
  b.writeUInt16LE(header, 52);
  b.writeUInt16LE(segment, 54);
  b.writeUInt16LE(1, 56);
  b.writeUInt32LE(1, header); // PT_LOAD: the whole file at `base`, readable and executable
  b.writeUInt32LE(5, header + 4);
  b.writeBigUInt64LE(base, header + 16);
  b.writeBigUInt64LE(base, header + 24);
  b.writeBigUInt64LE(BigInt(b.length), header + 32);
  b.writeBigUInt64LE(BigInt(b.length), header + 40);
  b.writeBigUInt64LE(0x1000n, header + 48);
  code.copy(b, header + segment);
  return b;
}

/** A tar archive (ustar) of one executable file: what `docker import` makes an image of. */
export function tarOf(name: string, data: Buffer): Buffer {
  const h = Buffer.alloc(512);
  const field = (text: string, offset: number) => h.write(text, offset, 'latin1');
  field(name, 0);
  field('0000755\0', 100);
  field('0000000\0', 108);
  field('0000000\0', 116);
  field(data.length.toString(8).padStart(11, '0') + '\0', 124);
  field('00000000000\0', 136);
  field('        ', 148); // the checksum counts its own field as spaces
  field('0', 156);
  field('ustar\0' + '00', 257);
  field(
    h
      .reduce((sum, byte) => sum + byte, 0)
      .toString(8)
      .padStart(6, '0') + '\0 ',
    148,
  );
  const padding = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([h, data, padding, Buffer.alloc(1024)]);
}

/** Builds the anchor image on the engine unless it has it. */
export async function ensureAnchorImage(docker: Docker, architecture: string): Promise<void> {
  if (await docker.hasImage(ANCHOR_IMAGE)) return;
  if (architecture !== 'x86_64')
    throw new UserError(
      `engine ${docker.engine} is ${architecture}: cilo's anchor container, which Compose before 2.29 needs to join an overlay network from a swarm worker, exists only for x86_64`,
      'use Docker Compose 2.29 or newer on this machine (it needs no anchor), or run this environment on a swarm manager',
    );
  const changes = ['ENTRYPOINT ["/pause"]', `LABEL ${LABEL_MANAGED}=true`].flatMap((c) => ['--change', c]);
  await docker.check(['import', ...changes, '-', ANCHOR_IMAGE], `building ${ANCHOR_IMAGE} on engine ${docker.engine}`, {
    input: tarOf('pause', pauseProgram()),
  });
}

export interface AnchorOwner {
  env: string;
  homeId: string;
  pid: number;
}

/**
 * Starts an anchor on `network`; returns its ID. A network the engine cannot attach to fails here, with
 * Docker's reason and the engine named.
 */
export async function startAnchor(
  docker: Docker,
  architecture: string,
  network: string,
  owner: AnchorOwner,
): Promise<string> {
  await ensureAnchorImage(docker, architecture);
  const name = `cilo-anchor-${owner.env}-${owner.pid}-${network}`;
  const labels = {
    [LABEL_MANAGED]: 'true',
    [LABEL_ANCHOR]: network,
    [LABEL_ENV]: owner.env,
    [LABEL_HOME]: owner.homeId,
  };
  let id: string | undefined;
  try {
    id = await docker.createContainer({ name, image: ANCHOR_IMAGE, labels, network, logDriver: 'none' });
    await docker.startContainer(id);
    return id;
  } catch (e) {
    if (!(e instanceof EngineRefusedError)) throw e;
    // Only the one this made: a container of that name made by someone else is not cilo's to remove.
    if (id) await docker.removeContainers([id]);
    throw new UserError(
      `engine ${docker.engine} could not attach to the overlay network ${network}: ${e.engineMessage}`,
      `check that engine ${docker.engine} is a node of the swarm that holds ${network} ('docker node ls' on a manager) and that the network still exists there`,
    );
  }
}

export async function removeAnchors(docker: Docker, ids: readonly string[]): Promise<void> {
  await docker.removeContainers(ids);
}
