// Host DNS after a command that changed what runs (docs/DESIGN.md §7).
import { UserError } from '../errors/index.js';
import { syncHostsDir } from '../dns/hostsdir.js';
import { ensureDnsServer, type DnsStatus } from '../dns/server.js';
import type { State } from '../state/schema.js';
import type { Context } from '../context.js';

/**
 * Starts cilo's dnsmasq for `state` unless CILO_DNS=off. Compose already succeeded: a DNS server that
 * cannot start is worth a warning, not a failed command.
 */
export async function startDns(ctx: Context, state: State): Promise<void> {
  if (!ctx.settings.dns.enabled) return;
  await ensureDnsServer(ctx, state, { quietIfRunning: true }).catch((e: unknown) => {
    if (!(e instanceof UserError)) throw e;
    ctx.log.warn(`host DNS names are not served: ${e.message}${e.hint ? ` (${e.hint})` : ''}`);
  });
}

/** `cilo dns start`: the records brought in line with state under the state lock, then the server. */
export async function startDnsServer(ctx: Context): Promise<DnsStatus> {
  const state = await ctx.store.update((s) => s, { afterWrite: (s) => syncHostsDir(ctx.home, s) });
  return ensureDnsServer(ctx, state);
}
