// Processes of this host: those cilo started and keeps by pid (the DNS server), whether one is there, stopping
// it; and which account holds a port.
import { readFileSync } from 'node:fs';

/** True while a process of that pid exists (also one we may not signal). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGTERM, up to 2 s of waiting, then SIGKILL. Resolves once the process is gone (or was never there). */
export async function stopProcess(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 100 && processAlive(pid); i++) await new Promise((r) => setTimeout(r, 20));
  if (!processAlive(pid)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone meanwhile
  }
}

/**
 * The account whose socket holds `port` on this host (Linux: /proc/net, which every account may read), as
 * "name (uid N)"; undefined when nothing holds it or the system cannot say. Tells a user which other account
 * runs a DNS server or router on the port they wanted.
 */
export function portHolder(port: number, protocol: 'tcp' | 'udp'): string | undefined {
  const uid = portOwner(port, protocol);
  return uid === undefined ? undefined : accountName(uid);
}

/** The uid whose socket holds `port` (see portHolder). */
export function portOwner(port: number, protocol: 'tcp' | 'udp'): number | undefined {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of [protocol, `${protocol}6`]) {
    let text: string;
    try {
      text = readFileSync(`/proc/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // A TCP port is held by a listener (state 0A), not by connections that happen to use it.
      const held = cols[1]?.endsWith(`:${hex}`) && (protocol === 'udp' || cols[3] === '0A');
      if (held && cols[7] !== undefined) return Number(cols[7]);
    }
  }
  return undefined;
}

function accountName(uid: number): string {
  try {
    const entry = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.split(':')[2] === String(uid));
    return entry ? `${entry.split(':')[0]} (uid ${uid})` : `uid ${uid}`;
  } catch {
    return `uid ${uid}`;
  }
}
