// `cilo doctor`: compares state with Docker. Labels are the truth for what cilo made (cilo.managed on
// networks, cilo.env on containers, com.docker.compose.project for a project's containers). Every finding
// says what it is and what --fix does; --fix re-checks under the lock and never deletes anything cilo did
// not create.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { COMPOSE_ONEOFF_LABEL, COMPOSE_PROJECT_LABEL, removeComposeLeftovers, type ContainerInfo, type NetworkInfo } from '../docker/docker.js';
import {
  ensureNetwork,
  envNetworkName,
  LABEL_ENV,
  LABEL_HOME,
  LABEL_MANAGED,
  LABEL_SHARED,
  networkLabels,
  removeOwnedNetwork,
  sharedNetworkName,
} from '../network/networks.js';
import { findEnvByName, localEnvironments, type State } from '../state/schema.js';
import { readState, updateState } from '../state/store.js';
import { homeId } from '../state/paths.js';
import { hostsDir, renderHostsFile, syncHostsDir } from '../dns/hostsdir.js';
import { recordsByEnvironment } from '../dns/records.js';
import { dnsEnabled, dnsStatus, ensureDnsServer } from '../dns/server.js';
import type { Context } from './context.js';
import { lockOptions } from './locking.js';
import { releaseIfUnused } from './shared.js';
import { observeEnvironment } from './observe.js';
import { destroyEnvironment } from './lifecycle.js';

export type FindingKind =
  | 'env-network-missing'
  | 'status-drift'
  | 'stuck-destroying'
  | 'orphan-network'
  | 'orphan-container'
  | 'stale-reference'
  | 'publisher-gone'
  | 'duplicate-network'
  | 'dns-down'
  | 'dns-stale';

export interface Finding {
  kind: FindingKind;
  subject: string;
  problem: string;
  fix: string;
  fixed?: boolean;
  error?: string;
}

interface Snapshot {
  state: State;
  networks: NetworkInfo[];
  containers: ContainerInfo[];
}

async function snapshot(ctx: Context): Promise<Snapshot> {
  const [networks, containers] = await Promise.all([ctx.docker.listNetworks(), ctx.docker.listContainers([])]);
  return { state: readState(ctx.home), networks, containers };
}

export async function diagnose(ctx: Context): Promise<Finding[]> {
  const { state, networks, containers } = await snapshot(ctx);
  const findings: Finding[] = [];
  const envs = localEnvironments(state);
  const names = new Set(Object.values(envs).map((e) => e.name));
  const byName = new Map<string, NetworkInfo[]>();
  for (const n of networks) byName.set(n.name, [...(byName.get(n.name) ?? []), n]);

  for (const [key, env] of Object.entries(envs)) {
    if (env.status === 'destroying') {
      findings.push({ kind: 'stuck-destroying', subject: key, problem: `${key} was being destroyed when its command stopped`, fix: 'finish the destroy' });
      continue;
    }
    const net = envNetworkName(env.name);
    if (env.status !== 'created' && !byName.has(net))
      findings.push({ kind: 'env-network-missing', subject: key, problem: `${key} is ${env.status} but Docker network ${net} does not exist`, fix: `create ${net} again with subnet ${env.subnet}` });
    const running = containers.filter((c) => c.labels[COMPOSE_PROJECT_LABEL] === env.name && c.running && c.labels[COMPOSE_ONEOFF_LABEL] !== 'True');
    const actual = running.length > 0 ? 'running' : env.status === 'created' ? 'created' : 'stopped';
    const recorded = Object.values(env.services).flatMap((s) => [...s.addresses, ...(s.shared_addresses ?? [])]).sort().join(',');
    const seen = running.flatMap((c) => [c.networks[net], c.networks[sharedNetworkName(env.name)]].filter((a): a is string => !!a)).sort().join(',');
    if (actual !== env.status || recorded !== seen)
      findings.push({
        kind: 'status-drift',
        subject: key,
        problem: `${key} is recorded as ${env.status} with addresses [${recorded}], Docker runs [${seen}]`,
        fix: 'record what Docker runs (status, addresses, DNS records)',
      });
  }

  // Only this CILO_HOME's objects: other homes (other users, tests) share the engine.
  const ours = (labels: Record<string, string>) => labels[LABEL_HOME] === homeId(ctx.home);
  for (const n of networks) {
    if (n.labels[LABEL_MANAGED] !== 'true' || !ours(n.labels)) continue;
    const owner = n.labels[LABEL_ENV];
    if (!owner || !names.has(owner))
      findings.push({
        kind: 'orphan-network',
        subject: n.name,
        problem: `Docker network ${n.name} (${n.id.slice(0, 12)}) was made by cilo for ${owner ?? 'an unknown environment'}, which state does not know`,
        fix: `remove it${Object.keys(n.containers).length ? ' (after removing its orphan containers)' : ''}`,
      });
  }
  for (const c of containers) {
    const owner = c.labels[LABEL_ENV];
    if (owner && ours(c.labels) && !names.has(owner))
      findings.push({ kind: 'orphan-container', subject: c.name, problem: `container ${c.name} is labelled cilo.env=${owner}, which state does not know`, fix: 'remove it (and its anonymous volumes)' });
  }
  for (const [name, list] of byName) {
    if (list.length > 1 && list.some((n) => n.labels[LABEL_MANAGED] === 'true' && ours(n.labels)))
      findings.push({ kind: 'duplicate-network', subject: name, problem: `${list.length} Docker networks are named ${name}`, fix: 'keep the one with containers (or the first), remove the others' });
  }

  for (const [net, record] of Object.entries(state.shared_networks)) {
    for (const ref of record.referenced_by)
      if (!envs[ref]) findings.push({ kind: 'stale-reference', subject: net, problem: `${net} lists ${ref} as a reference, but no such environment exists`, fix: `drop ${ref} from its references` });
    // A record outliving its publisher is normal (destroy --force keeps it for the consumers); the network
    // outliving it is a destroy that did not finish.
    if (record.created_by !== 'external' && !envs[record.created_by] && byName.has(net))
      findings.push({
        kind: 'publisher-gone',
        subject: net,
        problem: `${net} still exists, but its publisher ${record.created_by} no longer does`,
        fix: 'remove the network (consumers are disconnected) and mark its consumers broken',
      });
  }

  const wanted = recordsByEnvironment(state);
  const hasRecords = [...wanted.values()].some((r) => r.length > 0);
  if (hasRecords && dnsEnabled(ctx.env)) {
    const dns = await dnsStatus(ctx);
    if (!dns.running || !dns.answering)
      findings.push({ kind: 'dns-down', subject: `127.0.0.1:${dns.port}`, problem: `the DNS server is ${dns.running ? 'running but not answering' : 'not running'}`, fix: 'start it' });
  }
  const dir = hostsDir(ctx.home);
  const onDisk = new Map<string, string>();
  if (existsSync(dir)) for (const f of readdirSync(dir)) onDisk.set(f, readFileSync(join(dir, f), 'utf8'));
  const stale = new Set<string>();
  for (const [env, records] of wanted) if ((onDisk.get(env) ?? '') !== renderHostsFile(records)) stale.add(env);
  for (const f of onDisk.keys()) if (!wanted.has(f)) stale.add(f);
  if (stale.size > 0)
    findings.push({ kind: 'dns-stale', subject: [...stale].sort().join(', '), problem: `DNS records of ${[...stale].sort().join(', ')} do not match state`, fix: 'rewrite the records from state' });
  return findings;
}

/**
 * Removes orphan containers, then the networks Compose made for their (forgotten) projects; Docker refuses
 * the ones still in use. Their volumes stay: they may hold data.
 */
async function removeOrphans(ctx: Context, containers: ContainerInfo[]): Promise<void> {
  await ctx.docker.removeContainers(containers.map((c) => c.id));
  // Only projects that were cilo environments (Compose project name = cilo.env), never someone else's.
  const projects = new Set(containers.filter((c) => c.labels[COMPOSE_PROJECT_LABEL] === c.labels[LABEL_ENV]).map((c) => c.labels[LABEL_ENV]!));
  for (const project of projects) await removeComposeLeftovers(ctx.docker, project, { volumes: false });
}

/** Repairs the findings one by one; each one re-checks what it acts on. */
export async function repair(ctx: Context, findings: Finding[]): Promise<Finding[]> {
  for (const f of findings) {
    try {
      await repairOne(ctx, f);
      f.fixed = true;
    } catch (e) {
      f.fixed = false;
      f.error = (e as Error).message;
    }
  }
  return findings;
}

async function repairOne(ctx: Context, f: Finding): Promise<void> {
  switch (f.kind) {
    case 'stuck-destroying': {
      const env = localEnvironments(readState(ctx.home))[f.subject];
      if (env) await destroyEnvironment(ctx, env.name, true);
      return;
    }
    case 'env-network-missing': {
      const env = localEnvironments(readState(ctx.home))[f.subject];
      if (env) await ensureNetwork(ctx, { name: envNetworkName(env.name), subnet: env.subnet, labels: networkLabels(ctx.home, env) });
      return;
    }
    case 'status-drift': {
      const env = localEnvironments(readState(ctx.home))[f.subject];
      if (env) await observeEnvironment(ctx, env.name);
      return;
    }
    case 'orphan-container': {
      const [c] = (await ctx.docker.listContainers([])).filter((x) => x.name === f.subject);
      if (c && c.labels[LABEL_HOME] === homeId(ctx.home) && !findEnvByName(readState(ctx.home), c.labels[LABEL_ENV] ?? '')) await removeOrphans(ctx, [c]);
      return;
    }
    case 'orphan-network': {
      const info = await ctx.docker.inspectNetwork(f.subject);
      if (!info || info.labels[LABEL_MANAGED] !== 'true' || info.labels[LABEL_HOME] !== homeId(ctx.home) || findEnvByName(readState(ctx.home), info.labels[LABEL_ENV] ?? '')) return;
      const attached = (await ctx.docker.listContainers([])).filter((c) => info.containers[c.id]);
      const orphans = attached.filter((c) => !findEnvByName(readState(ctx.home), c.labels[LABEL_ENV] ?? c.labels[COMPOSE_PROJECT_LABEL] ?? ''));
      await removeOrphans(ctx, orphans);
      for (const c of attached.filter((x) => !orphans.includes(x))) await ctx.docker.disconnect(info.id, c.id);
      await removeOwnedNetwork(ctx, f.subject);
      return;
    }
    case 'duplicate-network': {
      const list = (await ctx.docker.listNetworks()).filter((n) => n.name === f.subject);
      const keep = list.find((n) => Object.keys(n.containers).length > 0) ?? list[0];
      for (const n of list) if (n !== keep && n.labels[LABEL_MANAGED] === 'true' && Object.keys(n.containers).length === 0) await ctx.docker.removeNetwork(n.id);
      return;
    }
    case 'stale-reference':
      await updateState(
        ctx.home,
        (state) => {
          const rec = state.shared_networks[f.subject];
          if (!rec) return;
          rec.referenced_by = rec.referenced_by.filter((k) => localEnvironments(state)[k]);
          releaseIfUnused(state, f.subject);
        },
        lockOptions(ctx),
      );
      return;
    case 'publisher-gone': {
      const info = await ctx.docker.inspectNetwork(f.subject);
      if (info && info.labels[LABEL_MANAGED] === 'true' && info.labels[LABEL_SHARED] === 'true' && info.labels[LABEL_HOME] === homeId(ctx.home) && !findEnvByName(readState(ctx.home), info.labels[LABEL_ENV] ?? '')) {
        for (const id of Object.keys(info.containers)) await ctx.docker.disconnect(info.id, id);
        await removeOwnedNetwork(ctx, f.subject);
      }
      await updateState(
        ctx.home,
        (state) => {
          const rec = state.shared_networks[f.subject];
          if (!rec || localEnvironments(state)[rec.created_by]) return;
          for (const k of rec.referenced_by) {
            const env = localEnvironments(state)[k];
            if (env) env.broken_shared_networks = [...new Set([...(env.broken_shared_networks ?? []), f.subject])];
          }
          rec.referenced_by = rec.referenced_by.filter((k) => k !== rec.created_by);
          delete rec.subnet;
          releaseIfUnused(state, f.subject);
        },
        lockOptions(ctx),
      );
      return;
    }
    case 'dns-down':
      await ensureDnsServer(ctx, { quietIfRunning: true });
      return;
    case 'dns-stale':
      await updateState(ctx.home, () => undefined, { ...lockOptions(ctx), afterWrite: (state) => syncHostsDir(ctx.home, state) });
      return;
  }
}
