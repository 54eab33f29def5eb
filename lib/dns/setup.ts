// Routing the cilo suffixes from the host resolver to cilo's dnsmasq (`cilo dns setup`).
import { UserError } from '../errors/index.js';

export type ResolverKind = 'systemd-resolved' | 'macos' | 'manual';

export interface ResolverPlan {
  kind: ResolverKind;
  files: { path: string; content: string }[];
  /** Commands to run (as root) after writing. */
  then: string[][];
  /** Instructions when nothing can be written automatically. */
  manual?: string;
}

export const RESOLVED_DROPIN = '/etc/systemd/resolved.conf.d/cilo.conf';

export function resolverPlan(kind: ResolverKind, port: number, suffixes: readonly string[]): ResolverPlan {
  switch (kind) {
    case 'systemd-resolved':
      return {
        kind,
        files: [
          {
            path: RESOLVED_DROPIN,
            content: `# Written by cilo dns setup: send ${suffixes.join(', ')} names to cilo's dnsmasq.\n[Resolve]\nDNS=127.0.0.1:${port}\nDomains=${suffixes.map((s) => `~${s}`).join(' ')}\n`,
          },
        ],
        then: [['systemctl', 'restart', 'systemd-resolved']],
      };
    case 'macos':
      return {
        kind,
        files: suffixes.map((s) => ({
          path: `/etc/resolver/${s}`,
          content: `# Written by cilo dns setup\nnameserver 127.0.0.1\nport ${port}\n`,
        })),
        then: [],
      };
    case 'manual':
      return {
        kind,
        files: [],
        then: [],
        manual:
          `No systemd-resolved and not macOS: configure your resolver by hand to send queries for ` +
          `${suffixes.map((s) => `*.${s}`).join(', ')} to 127.0.0.1 port ${port}. For example, with a local dnsmasq as system ` +
          `resolver add ${suffixes.map((s) => `"server=/${s}/127.0.0.1#${port}"`).join(' and ')} to its configuration; ` +
          `with NetworkManager's dnsmasq plugin put the same lines in /etc/NetworkManager/dnsmasq.d/cilo.conf. ` +
          `Test with: dig @127.0.0.1 -p ${port} <service>.<env>.${suffixes[0] ?? 'test'}`,
      };
  }
}

/** A file `cilo dns setup` wrote that says something else now: where it sends names (its port, if it says). */
export interface ResolverDrift {
  path: string;
  port: number | undefined;
}

/**
 * The plan's files that cilo wrote and that no longer say what the plan says: often another account's setup,
 * or ours from before this account's DNS port moved (docs/DESIGN.md §7). Files cilo did not write are not ours.
 */
export function resolverDrift(plan: ResolverPlan, read: (path: string) => string | undefined): ResolverDrift[] {
  return plan.files.flatMap((f) => {
    const now = read(f.path);
    if (now === undefined || now === f.content || !now.includes('Written by cilo dns setup')) return [];
    const port = /^(?:DNS=127\.0\.0\.1:|port )(\d+)$/m.exec(now)?.[1];
    return [{ path: f.path, port: port === undefined ? undefined : Number(port) }];
  });
}

export function detectResolverKind(platform: NodeJS.Platform, hasResolved: boolean): ResolverKind {
  if (platform === 'darwin') return 'macos';
  if (platform === 'linux' && hasResolved) return 'systemd-resolved';
  return 'manual';
}

export function parseResolverKind(s: string): ResolverKind {
  if (s === 'systemd-resolved' || s === 'macos' || s === 'manual') return s;
  throw new UserError(`unknown resolver kind ${JSON.stringify(s)}`, 'use systemd-resolved, macos or manual');
}
