// The checks of `cilo doctor` about this CILO_HOME alone, run once whatever the engines: references in state,
// the DNS server, its records and the host's resolver, and the engines diagnose could not look at.
import { UserError } from '../../../errors/index.js';
import { releaseIfUnused } from '../../../state/references.js';
import { environmentsOf } from '../../../state/schema.js';
import { hostsDrift, refreshRecords } from '../../../dns/hostsdir.js';
import { recordsByEnvironment } from '../../../dns/records.js';
import { dnsPort, dnsStatus, ensureDnsServer } from '../../../dns/server.js';
import { asRoot } from '../../steps/privileged.js';
import { hostResolverDrift, hostResolverPlan, resolverDriftText } from '../../steps/resolver.js';
import type { Check } from './checks.js';
import { probeEngine } from '../../steps/engines.js';

const staleReference: Check = {
  scope: 'home',
  kind: 'stale-reference',
  find: (state) =>
    Object.entries(state.shared_networks).flatMap(([net, record]) =>
      record.referenced_by
        .filter((ref) => !environmentsOf(state)[ref])
        .map((ref) => ({
          kind: 'stale-reference' as const,
          subject: net,
          problem: `${net} lists ${ref} as a reference, but no such environment exists`,
          fix: `drop ${ref} from its references`,
        })),
    ),
  async repair(ctx, f) {
    await ctx.store.update((state) => {
      const rec = state.shared_networks[f.subject];
      if (!rec) return;
      rec.referenced_by = rec.referenced_by.filter((k) => environmentsOf(state)[k]);
      releaseIfUnused(state, f.subject);
    });
  },
};

const dnsDown: Check = {
  scope: 'home',
  kind: 'dns-down',
  async find(state, ctx) {
    const hasRecords = [...recordsByEnvironment(state).values()].some((r) => r.length > 0);
    if (!hasRecords || !ctx.settings.dns.enabled) return [];
    const dns = await dnsStatus(ctx, state);
    if (dns.running && dns.answering) return [];
    return [
      {
        kind: 'dns-down',
        subject: `127.0.0.1:${dns.port}`,
        problem: `the DNS server is ${dns.running ? 'running but not answering' : 'not running'}${dns.port_held_by ? ` (its port is held by ${dns.port_held_by})` : ''}`,
        fix: dns.port_held_by
          ? 'start it (first free the port, or set CILO_DNS_PORT to a port of your own)'
          : 'start it',
      },
    ];
  },
  async repair(ctx) {
    await ensureDnsServer(ctx, ctx.store.read(), { quietIfRunning: true });
  },
};

const dnsStale: Check = {
  scope: 'home',
  kind: 'dns-stale',
  find(state, ctx) {
    const drift = hostsDrift(ctx.home, state);
    const stale = [...drift.write.keys(), ...drift.remove];
    if (stale.length === 0) return [];
    const names = stale.sort().join(', ');
    return [
      {
        kind: 'dns-stale',
        subject: names,
        problem: `DNS records of ${names} do not match state`,
        fix: 'rewrite the records from state',
      },
    ];
  },
  async repair(ctx) {
    await refreshRecords(ctx);
  },
};

/** The host resolver sends names to another port than this account's DNS server (another account's setup). */
const resolverStale: Check = {
  scope: 'home',
  kind: 'resolver-stale',
  find(state, ctx) {
    if (!ctx.settings.dns.enabled) return [];
    return hostResolverDrift(ctx, state).map((d) => ({
      kind: 'resolver-stale',
      subject: d.path,
      problem: resolverDriftText(d, dnsPort(ctx)),
      fix: 'send them here: cilo dns setup (it asks sudo for the write)',
    }));
  },
  async repair(ctx) {
    const plan = hostResolverPlan(ctx, ctx.store.read());
    await asRoot(ctx, plan.files, plan.then);
  },
};

/**
 * Found by diagnose itself (an engine it could not look at), never repaired by removing anything: an engine
 * that does not answer says nothing about its objects.
 */
const engineUnreachable: Check = {
  scope: 'home',
  kind: 'engine-unreachable',
  find: () => [],
  async repair(ctx, f) {
    const a = await probeEngine(ctx, ctx.store.read(), f.subject);
    if (a.status !== 'ok')
      throw new UserError(
        `${a.status === 'unreachable' ? `still no answer: ${a.reason}` : a.reason}; nothing was changed there`,
        'start the engine (or point its context back at it), then run cilo doctor again',
      );
  },
};

/** In the order --fix repairs them, after the engines' checks. */
export const HOME_CHECKS: readonly Check[] = [staleReference, dnsDown, dnsStale, resolverStale, engineUnreachable];
