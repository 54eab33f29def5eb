// The records dnsmasq serves, as one hosts file per environment in $CILO_HOME/dns/hosts (dnsmasq's
// --hostsdir, watched with inotify: no signal, no restart). Files are written beside the directory and
// renamed in (dnsmasq reads a file on IN_MOVED_TO / IN_CLOSE_WRITE; an in-place rewrite can be read
// half-written), and removed with unlink (moving a file out does not drop its names).
import { mkdirSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { dnsDir } from '../state/paths.js';
import type { State } from '../state/schema.js';
import { writeFileAtomic } from '../state/store.js';
import { recordsByEnvironment } from './records.js';

export const hostsDir = (home: string) => join(dnsDir(home), 'hosts');
const stagingDir = (home: string) => join(dnsDir(home), 'staging');

export function renderHostsFile(records: { name: string; addresses: string[] }[]): string {
  return records.flatMap((r) => r.addresses.map((a) => `${a} ${r.name}\n`)).join('');
}

/** Makes the hosts directory match the state. Call under the state lock (UpdateOptions.afterWrite). */
export function syncHostsDir(home: string, state: State): void {
  const dir = hostsDir(home);
  const staging = stagingDir(home);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  mkdirSync(staging, { recursive: true, mode: 0o755 });
  const wanted = recordsByEnvironment(state);
  for (const [env, records] of wanted) {
    const file = join(dir, env);
    const content = renderHostsFile(records);
    let current: string | undefined;
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === content) continue;
    if (content === '' && current === undefined) continue;
    // dnsmasq must be able to read it after dropping privileges: 0644, in a 0755 directory. Not fsync'd:
    // it is derived from state and rewritten from it (and by `cilo doctor --fix`) after a crash.
    writeFileAtomic(join(staging, env), content, { mode: 0o644, target: file, durable: false });
  }
  for (const f of readdirSync(dir)) {
    if (!wanted.has(f) || wanted.get(f)!.length === 0) {
      try {
        unlinkSync(join(dir, f));
      } catch {
        // already gone
      }
    }
  }
}
