// Names that end up in Docker object names, paths, DNS records and dnsmasq config lines. A name the user
// typed is validated, never rewritten; a name cilo derives (a directory basename, a service name) is
// normalized by a documented rule.
import { UsageError } from '../errors/index.js';

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function isDnsLabel(s: string): boolean {
  return DNS_LABEL.test(s);
}

/**
 * The normalization rule: lower-case; every run of characters outside [a-z0-9] becomes one '-'; leading and
 * trailing '-' dropped; cut to 63 characters. Returns '' when nothing is left.
 */
export function toDnsLabel(input: string): string {
  return input
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 63)
    .replace(/-+$/, '');
}

function describe(s: string): string {
  return JSON.stringify(s);
}

/** Throws a usage error that explains the rule and suggests the valid form. */
export function validateName(name: string, what: 'environment name' | 'project name' | 'DNS suffix'): string {
  // Environment x publishes the network cilo-shared-x: an environment named shared-x would own that name too.
  if (what === 'environment name' && name.startsWith('shared-') && isDnsLabel(name))
    throw new UsageError(
      `invalid environment name ${describe(name)}: names starting with "shared-" are reserved`,
      `cilo-shared-<env> is the network environment <env> publishes; use e.g. ${describe(name.slice(7) + '-shared')}`,
    );
  if (isDnsLabel(name)) return name;
  const problem =
    name.length === 0
      ? 'is empty'
      : name.length > 63
        ? `is ${name.length} characters long (at most 63)`
        : 'must be lower-case letters, digits and inner hyphens (a DNS label)';
  const suggestion = toDnsLabel(name);
  throw new UsageError(
    `invalid ${what} ${describe(name)}: it ${problem}`,
    suggestion ? `use ${describe(suggestion)} instead` : `use a name like "dev" or "feature-42"`,
  );
}

/**
 * Docker's rule for the names of containers and volumes (networks accept more, and a name with `/` then cannot
 * be removed through the API): a letter or digit, then letters, digits, `_`, `.` and `-`. Bounded at 128.
 */
const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;

/**
 * Checks a name from the compose files that becomes a Docker name (a network's or volume's `name:`, a key):
 * the error names where it was written (`where`, e.g. `compose.yaml: networks.backend.name`) and an example.
 */
export function validateDockerName(name: string, what: string, where: string, example: string): string {
  if (DOCKER_NAME.test(name) && !name.includes('..')) return name;
  const problem =
    name.length > 128
      ? `is ${name.length} characters long (at most 128)`
      : 'must start with a letter or digit and hold only letters, digits, _ . and - (no "..")';
  throw new UsageError(
    `invalid ${what} ${describe(name.length > 80 ? name.slice(0, 77) + '...' : name)} (${where}): it ${problem}`,
    `use e.g. ${describe(example)}`,
  );
}

/**
 * Suffixes reserved for local use (RFC 6761, RFC 8375, ICANN's `internal`): names under them never exist on
 * the internet, so serving them on this host hides nothing real. Any other suffix needs the user's own word
 * (CILO_DNS_SUFFIXES_ALLOWED): a cloned repository's x-cilo could otherwise claim `.com` for this host.
 */
export const SPECIAL_USE_SUFFIXES = ['test', 'localhost', 'internal', 'home.arpa'] as const;

export const isSpecialUse = (suffix: string) =>
  SPECIAL_USE_SUFFIXES.some((s) => suffix === s || suffix.endsWith(`.${s}`));

/** A DNS suffix is one or more labels separated by dots (`test`, `dev.internal`). */
export function validateSuffix(suffix: string): string {
  const labels = suffix.split('.');
  if (suffix.length <= 253 && labels.every(isDnsLabel)) return suffix;
  const suggestion = labels.map(toDnsLabel).filter(Boolean).join('.');
  throw new UsageError(
    `invalid DNS suffix ${describe(suffix)}: each dot-separated part must be a DNS label`,
    suggestion ? `use ${describe(suggestion)} instead` : 'use "test"',
  );
}

/**
 * The order of names everywhere cilo lists them (localeCompare's order; one collator, not one per comparison:
 * sorting the 2,500 services of 500 environments took 17 ms the other way). Made on first use: a collator
 * loads ICU data (~8 ms), which most commands never need.
 */
let collator: Intl.Collator | undefined;
export const compareNames = (a: string, b: string): number => (collator ??= new Intl.Collator()).compare(a, b);

/** The environment network (docs/DESIGN.md §2). */
export const envNetworkName = (env: string) => `cilo-${env}`;
/** The network an environment publishes for others to join. */
export const sharedNetworkName = (env: string) => `cilo-shared-${env}`;
/** The environment whose published network `network` would be, by its name (undefined for other names). */
export const sharedNetworkOwner = (network: string) =>
  network.startsWith('cilo-shared-') ? network.slice('cilo-shared-'.length) : undefined;
