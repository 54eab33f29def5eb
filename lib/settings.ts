// cilo's settings, read from the process environment once, in the entry, before any work. Core code reads
// ctx.settings, never the environment: one variable has one parser and one meaning everywhere.
// docs/DESIGN.md §9 lists the variables.
import { UserError } from './errors/index.js';
import { parseCidr, type PoolConfig } from './network/subnet.js';
import { validateSuffix } from './state/names.js';
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
    /** CILO_DNS_SUFFIX: the suffix of environments whose files set no x-cilo.dns-suffix. */
    suffix: string;
  };
  /** CILO_DEBUG=1: stack traces with errors. */
  debug: boolean;
}

export const DEFAULTS = {
  // 1,024 /24s: 200 environments of a project with two networks (a /24 and a /26 each) take a quarter.
  pool: '10.224.0.0/14',
  prefix: 24,
  networkPrefix: 26,
  lockTimeoutSeconds: 30,
  dnsPort: 5354,
  dnsSuffix: DEFAULT_SUFFIX,
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
  const prefixText = value(vars, 'CILO_SUBNET_PREFIX') ?? String(DEFAULTS.prefix);
  const prefix = Number(prefixText.replace(/^\//, ''));
  // /28 leaves 16 addresses: network, gateway, broadcast, a few static ones and a dynamic range.
  if (!/^\/?\d+$/.test(prefixText) || prefix < pool.prefix || prefix > 28)
    throw bad(
      'CILO_SUBNET_PREFIX',
      prefixText,
      `must be an integer between ${pool.prefix} (the pool's) and 28`,
      `the default is ${DEFAULTS.prefix}`,
    );
  return { pool, prefix };
}

function parseNetworkPrefix(vars: Vars, pool: PoolConfig): number {
  const text = value(vars, 'CILO_NETWORK_PREFIX') ?? String(DEFAULTS.networkPrefix);
  const prefix = Number(text.replace(/^\//, ''));
  if (!/^\/?\d+$/.test(text) || prefix < pool.pool.prefix || prefix > 28)
    throw bad(
      'CILO_NETWORK_PREFIX',
      text,
      `must be an integer between ${pool.pool.prefix} (the pool's) and 28`,
      `the default is ${DEFAULTS.networkPrefix}`,
    );
  return prefix;
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

function parseDnsPort(vars: Vars): number {
  const text = value(vars, 'CILO_DNS_PORT') ?? String(DEFAULTS.dnsPort);
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535)
    throw bad(
      'CILO_DNS_PORT',
      text,
      'is not a port number',
      `use a number between 1 and 65535 (default ${DEFAULTS.dnsPort})`,
    );
  return port;
}

const ON = new Set(['on', '1', 'true']);
const OFF = new Set(['off', '0', 'false']);

function parseDnsEnabled(vars: Vars): boolean {
  const text = value(vars, 'CILO_DNS');
  if (text === undefined || ON.has(text)) return true;
  if (OFF.has(text)) return false;
  throw bad(
    'CILO_DNS',
    text,
    'is neither on nor off',
    'use CILO_DNS=off to run without host DNS; leave it unset otherwise',
  );
}

/** Every setting, validated: a bad value is a user error naming the variable, raised before any work. */
export function parseSettings(vars: Vars): Settings {
  const suffixText = value(vars, 'CILO_DNS_SUFFIX') ?? DEFAULTS.dnsSuffix;
  let suffix: string;
  try {
    suffix = validateSuffix(suffixText);
  } catch (e) {
    throw bad(
      'CILO_DNS_SUFFIX',
      suffixText,
      'is not a DNS suffix',
      (e as UserError).hint ?? `use e.g. ${DEFAULTS.dnsSuffix}`,
    );
  }
  const pool = parsePool(vars);
  return {
    pool,
    networkPrefix: parseNetworkPrefix(vars, pool),
    lockTimeoutMs: parseLockTimeout(vars),
    dns: { enabled: parseDnsEnabled(vars), port: parseDnsPort(vars), suffix },
    debug: isDebug(vars),
  };
}
