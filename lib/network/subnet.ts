// IPv4 subnet arithmetic and the allocator (docs/DESIGN.md §2): the lowest subnet of the pool held by nothing in
// state and overlapping no existing Docker network.
import { UserError } from '../errors/index.js';

export interface Cidr {
  base: number; // network address as an unsigned 32-bit number
  prefix: number;
}

export function parseIPv4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

const mask = (prefix: number) => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);

/** Parses `a.b.c.d/n`; host bits must be zero unless `lenient`. Returns undefined for IPv6 or junk. */
export function parseCidr(s: string, lenient = false): Cidr | undefined {
  const [ip, p, extra] = s.split('/');
  if (extra !== undefined || ip === undefined || p === undefined || !/^\d{1,2}$/.test(p)) return undefined;
  const addr = parseIPv4(ip);
  const prefix = Number(p);
  if (addr === undefined || prefix > 32) return undefined;
  const base = (addr & mask(prefix)) >>> 0;
  if (!lenient && base !== addr) return undefined;
  return { base, prefix };
}

export function formatCidr(c: Cidr): string {
  return `${formatIPv4(c.base)}/${c.prefix}`;
}

export function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  const p = Math.min(a.prefix, b.prefix);
  return (a.base & mask(p)) >>> 0 === (b.base & mask(p)) >>> 0;
}

/** Two subnets in CIDR text overlap (false when either does not parse). */
export function subnetsOverlap(a: string, b: string): boolean {
  const [x, y] = [parseCidr(a, true), parseCidr(b, true)];
  return x !== undefined && y !== undefined && overlaps(x, y);
}

export function contains(c: Cidr, ip: number): boolean {
  return (ip & mask(c.prefix)) >>> 0 === c.base;
}

export interface PoolConfig {
  pool: Cidr;
  prefix: number;
}

/**
 * The lowest subnet of the pool that overlaps nothing in `taken` (subnets held in state and those of
 * existing Docker networks). Throws a clear error when the pool is exhausted.
 */
export function allocateSubnet(cfg: PoolConfig, taken: readonly string[]): string {
  const takenCidrs = taken.map((t) => parseCidr(t, true)).filter((c): c is Cidr => c !== undefined);
  const step = 2 ** (32 - cfg.prefix);
  const count = cidrSize(cfg.pool) / step;
  for (let i = 0; i < count; i++) {
    const candidate: Cidr = { base: (cfg.pool.base + i * step) >>> 0, prefix: cfg.prefix };
    if (!takenCidrs.some((t) => overlaps(t, candidate))) return formatCidr(candidate);
  }
  throw new UserError(
    `the subnet pool ${formatCidr(cfg.pool)} has no free /${cfg.prefix} left (${count} in use by cilo or other Docker networks)`,
    'destroy environments you no longer need (cilo list), or set CILO_SUBNET_POOL to a larger range',
  );
}

/**
 * How cilo lays out one environment subnet: .1 is the gateway, the lower half (from .2) holds static
 * service addresses, the upper half is Docker's dynamic range (scaled services, containers joining late).
 * Keeping them apart means a dynamic address can never take a static one.
 */
export function subnetLayout(subnet: string): {
  gateway: string;
  ipRange: string;
  staticFirst: number;
  staticLast: number;
} {
  const c = parseCidr(subnet);
  if (!c) throw new Error(`invalid subnet ${subnet}`);
  const half = cidrSize(c) / 2;
  return {
    gateway: formatIPv4(c.base + 1),
    ipRange: formatCidr({ base: c.base + half, prefix: c.prefix + 1 }),
    staticFirst: c.base + 2,
    staticLast: c.base + half - 1,
  };
}

/**
 * The address with the same host part in `to` as `ip` has in `from` (another environment's subnet of the same size):
 * how a pinned `ipv4_address`, gateway or range moves with the subnet cilo gives the environment.
 */
export function translateAddress(ip: string, from: string, to: string): string | undefined {
  const a = parseIPv4(ip);
  const f = parseCidr(from, true);
  const t = parseCidr(to);
  if (a === undefined || !f || !t || f.prefix !== t.prefix || !contains(f, a)) return undefined;
  return formatIPv4((t.base + (a - f.base)) >>> 0);
}

/** A range (`a.b.c.d/n`) inside `from`, moved into `to` like translateAddress. */
export function translateRange(range: string, from: string, to: string): string | undefined {
  const r = parseCidr(range, true);
  const moved = r && translateAddress(formatIPv4(r.base), from, to);
  return moved && r.prefix >= parseCidr(from, true)!.prefix ? `${moved}/${r.prefix}` : undefined;
}

export const prefixOf = (subnet: string) => parseCidr(subnet, true)?.prefix;

/** Static addresses for services, keeping the ones already assigned; new services take the lowest free. */
export function assignStaticAddresses(
  subnet: string,
  services: readonly string[],
  previous: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const layout = subnetLayout(subnet);
  const c = parseCidr(subnet)!;
  const result: Record<string, string> = {};
  const used = new Set<number>();
  for (const s of services) {
    const ip = previous[s] !== undefined ? parseIPv4(previous[s]) : undefined;
    if (ip !== undefined && contains(c, ip) && ip >= layout.staticFirst && ip <= layout.staticLast && !used.has(ip)) {
      result[s] = previous[s]!;
      used.add(ip);
    }
  }
  let next = layout.staticFirst;
  for (const s of services) {
    if (result[s]) continue;
    while (used.has(next)) next++;
    if (next > layout.staticLast)
      throw new UserError(
        `subnet ${subnet} has no static address left for service ${JSON.stringify(s)} (${services.length} services)`,
        'use a larger subnet: set CILO_SUBNET_PREFIX lower (e.g. 23) for new environments',
      );
    result[s] = formatIPv4(next);
    used.add(next);
  }
  return result;
}
