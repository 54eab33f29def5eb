// cilo's settings, read from the process environment once, in the entry, before any work. Core code reads
// ctx.settings, never the environment: one variable has one parser and one meaning everywhere.
// docs/DESIGN.md §9 lists the variables.
import { UserError } from './errors/index.js';
import { parseCidr, type Cidr, type PoolConfig } from './network/subnet.js';
import { validateSuffix } from './state/names.js';
import type { AccessMode } from './state/schema.js';
import { DEFAULT_SUFFIX } from './dns/records.js';

export interface Settings {
  /**
   * Where every subnet cilo allocates comes from (CILO_SUBNET_POOL), and the size of environment and
   * shared networks (CILO_SUBNET_PREFIX).
   */
  pool: PoolConfig;
  /** The size of the other networks a project declares (CILO_NETWORK_PREFIX), unless its files pin one. */
  networkPrefix: number;
  /** How long to wait for any of cilo's locks (CILO_LOCK_TIMEOUT, seconds). */
  lockTimeoutMs: number;
  dns: {
    /** CILO_DNS=off: `up` starts no DNS server and `doctor` does not ask for one. */
    enabled: boolean;
    /** CILO_DNS_PORT: where cilo's dnsmasq listens on 127.0.0.1. */
    port: number;
    /** CILO_DNS_PORT was given: that port, always (else another account's server moves ours: dns/server.ts). */
    portSet: boolean;
    /** CILO_DNS_SUFFIX: the suffix of environments whose files set no x-cilo.dns-suffix. */
    suffix: string;
    /** CILO_DNS_SUFFIXES_ALLOWED: suffixes besides the reserved ones that x-cilo.dns-suffix may name. */
    allowedSuffixes: string[];
  };
  /** CILO_ACCESS: how the host reaches environments, when set (else decided per engine: core/plan/access.ts). */
  access?: AccessMode;
  /** CILO_PORT_RANGE: the host ports cilo publishes services and the router on, in `published` mode. */
  ports: PortRange;
  router: {
    /** CILO_ROUTER=off: no router (names by port only). */
    enabled: boolean;
    /** CILO_ROUTER_IMAGE: the Caddy image the router runs. */
    image: string;
    /** CILO_ROUTER_PORT / CILO_ROUTER_HTTPS_PORT: the host ports it listens on when it can. */
    httpPort: number;
    httpsPort: number;
  };
  /** CILO_DEBUG=1: stack traces with errors. */
  debug: boolean;
}

export interface PortRange {
  first: number;
  last: number;
}

export const DEFAULTS = {
  // 1,024 /24s: 200 environments of a project with two networks (a /24 and a /26 each) take a quarter.
  pool: '10.224.0.0/14',
  prefix: 24,
  networkPrefix: 26,
  lockTimeoutSeconds: 30,
  dnsPort: 5354,
  dnsSuffix: DEFAULT_SUFFIX,
  // Below Linux's ephemeral range (32768-60999), so an outgoing connection never holds one of them.
  portRange: '24000-27999',
  routerImage: 'caddy:2',
  routerPort: 80,
  routerHttpsPort: 443,
} as const;

type Vars = Readonly<Record<string, string | undefined>>;

/** CILO_DEBUG=1. Separate, so the error of a bad setting can still be reported as asked. */
export function isDebug(vars: Vars): boolean {
  return vars.CILO_DEBUG === '1';
}

/** An empty variable means its default, as an unset one does. */
const value = (vars: Vars, name: string) => (vars[name] === undefined || vars[name] === '' ? undefined : vars[name]);

function bad(name: string, text: string, problem: string, hint: string): UserError {
  return new UserError(`${name}=${JSON.stringify(text)} ${problem}`, hint);
}

/** A subnet size: an integer from the pool's own size to /28 (network, gateway, broadcast, a few addresses). */
function parsePrefix(vars: Vars, name: string, fallback: number, pool: Cidr): number {
  const text = value(vars, name) ?? String(fallback);
  const prefix = Number(text.replace(/^\//, ''));
  if (!/^\/?\d+$/.test(text) || prefix < pool.prefix || prefix > 28)
    throw bad(
      name,
      text,
      `must be an integer between ${pool.prefix} (the pool's) and 28`,
      `the default is ${fallback}`,
    );
  return prefix;
}

export function parsePool(vars: Vars): PoolConfig {
  const poolText = value(vars, 'CILO_SUBNET_POOL') ?? DEFAULTS.pool;
  const pool = parseCidr(poolText);
  if (!pool)
    throw bad(
      'CILO_SUBNET_POOL',
      poolText,
      'is not an IPv4 network in CIDR form',
      `use e.g. ${DEFAULTS.pool} (host bits zero)`,
    );
  return { pool, prefix: parsePrefix(vars, 'CILO_SUBNET_PREFIX', DEFAULTS.prefix, pool) };
}

function parseLockTimeout(vars: Vars): number {
  const text = value(vars, 'CILO_LOCK_TIMEOUT');
  if (text === undefined) return DEFAULTS.lockTimeoutSeconds * 1000;
  const seconds = Number(text);
  if (!/^\s*[\d.]+\s*$/.test(text) || !Number.isFinite(seconds))
    throw bad(
      'CILO_LOCK_TIMEOUT',
      text,
      'is not a number of seconds',
      `use e.g. ${DEFAULTS.lockTimeoutSeconds} (0 means: do not wait)`,
    );
  return seconds * 1000;
}

function parsePort(vars: Vars, name: string, fallback: number): number {
  const text = value(vars, name) ?? String(fallback);
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535)
    throw bad(name, text, 'is not a port number', `use a number between 1 and 65535 (default ${fallback})`);
  return port;
}

function parsePortRange(vars: Vars): PortRange {
  const text = value(vars, 'CILO_PORT_RANGE') ?? DEFAULTS.portRange;
  const m = /^(\d+)-(\d+)$/.exec(text);
  const [first, last] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
  if (!m || first < 1024 || last > 65535 || last - first < 15)
    throw bad(
      'CILO_PORT_RANGE',
      text,
      'is not a range of at least 16 ports from 1024 up',
      `use e.g. ${DEFAULTS.portRange}`,
    );
  return { first, last };
}

function parseAccess(vars: Vars): AccessMode | undefined {
  const text = value(vars, 'CILO_ACCESS');
  if (text === undefined || text === 'routed' || text === 'published') return text;
  throw bad('CILO_ACCESS', text, 'is neither routed nor published', 'leave it unset to let cilo decide per engine');
}

const ON = new Set(['on', '1', 'true']);
const OFF = new Set(['off', '0', 'false']);

function parseSwitch(vars: Vars, name: string, hint: string): boolean {
  const text = value(vars, name);
  if (text === undefined || ON.has(text)) return true;
  if (OFF.has(text)) return false;
  throw bad(name, text, 'is neither on nor off', hint);
}

function parseSuffix(vars: Vars, name: 'CILO_DNS_SUFFIX' | 'CILO_DNS_SUFFIXES_ALLOWED'): string {
  const text = value(vars, name) ?? DEFAULTS.dnsSuffix;
  try {
    return validateSuffix(text);
  } catch (e) {
    throw bad(name, text, 'is not a DNS suffix', (e as UserError).hint ?? `use e.g. ${DEFAULTS.dnsSuffix}`);
  }
}

/** Every setting, validated: a bad value is a user error naming the variable, raised before any work. */
export function parseSettings(vars: Vars): Settings {
  const pool = parsePool(vars);
  return {
    pool,
    networkPrefix: parsePrefix(vars, 'CILO_NETWORK_PREFIX', DEFAULTS.networkPrefix, pool.pool),
    lockTimeoutMs: parseLockTimeout(vars),
    dns: {
      enabled: parseSwitch(vars, 'CILO_DNS', 'use CILO_DNS=off to run without host DNS; leave it unset otherwise'),
      port: parsePort(vars, 'CILO_DNS_PORT', DEFAULTS.dnsPort),
      portSet: value(vars, 'CILO_DNS_PORT') !== undefined,
      suffix: parseSuffix(vars, 'CILO_DNS_SUFFIX'),
      allowedSuffixes: (value(vars, 'CILO_DNS_SUFFIXES_ALLOWED') ?? '')
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean)
        .map((x) => parseSuffix({ CILO_DNS_SUFFIXES_ALLOWED: x }, 'CILO_DNS_SUFFIXES_ALLOWED')),
    },
    access: parseAccess(vars),
    ports: parsePortRange(vars),
    router: {
      enabled: parseSwitch(
        vars,
        'CILO_ROUTER',
        'use CILO_ROUTER=off to run without the router; leave it unset otherwise',
      ),
      image: value(vars, 'CILO_ROUTER_IMAGE') ?? DEFAULTS.routerImage,
      httpPort: parsePort(vars, 'CILO_ROUTER_PORT', DEFAULTS.routerPort),
      httpsPort: parsePort(vars, 'CILO_ROUTER_HTTPS_PORT', DEFAULTS.routerHttpsPort),
    },
    debug: isDebug(vars),
  };
}
