// What `cilo dns setup` writes on this host for this account, and whether the host's resolver still says it.
import { existsSync } from 'node:fs';
import type { Context } from '../../context.js';
import { portHolder } from '../../docker/pids.js';
import { servedSuffixes } from '../../dns/records.js';
import { dnsPort } from '../../dns/server.js';
import {
  detectResolverKind,
  parseResolverKind,
  resolverDrift,
  resolverPlan,
  type ResolverDrift,
  type ResolverPlan,
} from '../../dns/setup.js';
import type { State } from '../../state/schema.js';
import { readFileIfExists } from '../../state/store.js';

/** The resolver files and commands that send this account's suffixes to its DNS port (`kind`: --for). */
export function hostResolverPlan(ctx: Context, state: State, kind?: string): ResolverPlan {
  const resolver = kind
    ? parseResolverKind(kind)
    : detectResolverKind(ctx.host.platform, existsSync('/run/systemd/resolve'));
  return resolverPlan(resolver, dnsPort(ctx), servedSuffixes(state, ctx.settings.dns.suffix));
}

/** "PATH sends names to 127.0.0.1:PORT (held by …), not to this account's DNS server at 127.0.0.1:OURS". */
export function resolverDriftText(d: ResolverDrift, ours: number): string {
  const held = d.port === undefined || d.port === ours ? undefined : portHolder(d.port, 'udp');
  const where = d.port === undefined ? 'another DNS server' : `127.0.0.1:${d.port}${held ? ` (held by ${held})` : ''}`;
  return `${d.path} sends names to ${where}, not to this account's DNS server at 127.0.0.1:${ours}`;
}

/** The files cilo wrote there that send names elsewhere now (doctor's `resolver-stale`). */
export const hostResolverDrift = (ctx: Context, state: State): ResolverDrift[] =>
  resolverDrift(hostResolverPlan(ctx, state), readFileIfExists);
