// The generated override (docs/DESIGN.md §6). Emitted by hand rather than with the yaml library: the shape is
// fixed, every scalar is written JSON-quoted (valid YAML), and no YAML emitter is loaded on the shim's path.
// `$` is doubled because Compose interpolates override files too.

export interface OverrideNetworkEntry {
  /** The network's key in the project (or, for one cilo adds, its name). */
  key: string;
  /** Its static address; null resets an address the files pin (`!reset null`). */
  ipv4?: string | null;
  aliases?: string[];
  /**
   * A network the environment joins, not one of its own: Compose attaches it last and, where gw_priority is
   * honoured, it does not take the default route: the container's main network stays its own (docs/DESIGN.md §6).
   */
  joined?: boolean;
}

/** A port published on the host in place of the files' ones (access `published`). */
export interface OverridePort {
  target: number;
  /** The host port, or a range (`24001-24002`) for a scaled service's replicas. */
  published: string;
  hostIp: string;
  protocol: string;
}

export interface OverrideService {
  name: string;
  /** The ports it publishes instead of the files' (none: every published port removed). */
  ports?: OverridePort[];
  /** Every network the service is on in the environment (listing them all keeps Compose from dropping `default`). */
  networks: OverrideNetworkEntry[];
  renameContainer: boolean;
  /** Mount points given an empty volume of the environment's (by key) in place of the files' source. */
  emptyMounts?: { target: string; volume: string }[];
}

export interface OverrideNetwork {
  key: string;
  /** The Docker network it is (cilo's, or one the environment joins). */
  name: string;
  /** A project network cilo created in place of Compose: the files' driver, ipam and options are dropped. */
  replaces: boolean;
}

export interface OverrideInput {
  envName: string;
  project: string;
  /** See homeId(): lets `doctor` tell this CILO_HOME's containers from others'. */
  homeId: string;
  services: OverrideService[];
  /** Services with a `network_mode`: cilo leaves their networks alone, and only labels their containers. */
  labelledOnly?: string[];
  networks: OverrideNetwork[];
  volumes: OverrideVolume[];
}

/** A volume of the project as the environment has it: renamed (a pinned `name:`), labelled, or adopted. */
export interface OverrideVolume {
  key: string;
  name?: string;
  /** Labels that say whose it is (the home's): what cilo removes it by. */
  labels?: Record<string, string>;
  /** A volume the project had before cilo (adopted): used as it is, never created or removed by Compose. */
  external?: boolean;
}

const q = (s: string) => JSON.stringify(s.replace(/\$/g, '$$$$'));

/** Keys that describe how to create a network: meaningless (and misleading in `config`) once it is external. */
const CREATION_KEYS = [
  'driver: !reset null',
  'driver_opts: !reset {}',
  'ipam: !reset {}',
  'internal: !reset false',
  'attachable: !reset false',
  'enable_ipv6: !reset false',
  'labels: !reset {}',
];

/**
 * `ports: []` would be appended to the base list by Compose's merge: `!reset` removes them, `!override`
 * replaces them with cilo's (Compose 2.24+).
 */
function portLines(ports: readonly OverridePort[] | undefined): string[] {
  if (!ports?.length) return ['    ports: !reset []'];
  return [
    '    ports: !override',
    ...ports.flatMap((p) => [
      `      - target: ${p.target}`,
      `        published: ${q(p.published)}`,
      `        host_ip: ${q(p.hostIp)}`,
      `        protocol: ${q(p.protocol)}`,
    ]),
  ];
}

/** Every container cilo has Compose make says whose it is (core/steps/ownership.ts). */
const labelLines = (o: OverrideInput) => [
  '    labels:',
  `      "cilo.env": ${q(o.envName)}`,
  `      "cilo.project": ${q(o.project)}`,
  `      "cilo.home": ${q(o.homeId)}`,
];

function serviceLines(o: OverrideInput, s: OverrideService): string[] {
  const lines = [`  ${q(s.name)}:`, ...portLines(s.ports)];
  if (s.renameContainer) lines.push(`    container_name: ${q(`${o.envName}-${s.name}`)}`);
  lines.push(...labelLines(o));
  // Compose merges a service's volumes by their target: these take the place of the files' mounts there.
  if (s.emptyMounts?.length) lines.push('    volumes:');
  for (const m of s.emptyMounts ?? [])
    lines.push('      - type: volume', `        source: ${q(m.volume)}`, `        target: ${q(m.target)}`);
  lines.push('    networks:');
  for (const n of s.networks) {
    if (n.ipv4 === undefined && !n.aliases?.length && !n.joined) {
      lines.push(`      ${q(n.key)}: {}`);
      continue;
    }
    lines.push(`      ${q(n.key)}:`);
    if (n.ipv4 !== undefined) lines.push(`        ipv4_address: ${n.ipv4 === null ? '!reset null' : q(n.ipv4)}`);
    if (n.aliases?.length) lines.push(`        aliases: [${n.aliases.map(q).join(', ')}]`);
    // Compose connects networks by priority, the first becoming the main one; gw_priority (Compose 2.33+
    // with engine 28+; older ones ignore it) keeps the default route off it. Engine 20.10 picks the
    // default route by network name whatever Compose says (docs/TEST-RIG.md).
    if (n.joined) lines.push('        priority: -1', '        gw_priority: -1');
  }
  return lines;
}

export function renderOverride(o: OverrideInput): string {
  const lines: string[] = [
    `# Generated by cilo for environment ${JSON.stringify(o.envName)}. Do not edit: rewritten on every up.`,
  ];
  // A project whose every service has a network_mode has nothing here: `services:` alone would be null, which
  // Compose refuses ("services must be a mapping"); so is `networks:`.
  const labelledOnly = o.labelledOnly ?? [];
  lines.push(o.services.length + labelledOnly.length > 0 ? 'services:' : 'services: {}');
  for (const s of o.services) lines.push(...serviceLines(o, s));
  for (const name of labelledOnly) lines.push(`  ${q(name)}:`, ...labelLines(o));
  lines.push(o.networks.length > 0 ? 'networks:' : 'networks: {}');
  for (const n of o.networks) {
    lines.push(`  ${q(n.key)}:`, `    name: ${q(n.name)}`, '    external: true');
    if (n.replaces) lines.push(...CREATION_KEYS.map((k) => `    ${k}`));
  }
  if (o.volumes.length > 0) lines.push('volumes:', ...o.volumes.flatMap(volumeLines));
  return lines.join('\n') + '\n';
}

/** An adopted volume is external: the files' keys that say how to create one would conflict with that. */
const VOLUME_CREATION_KEYS = ['driver: !reset null', 'driver_opts: !reset {}', 'labels: !reset {}'];

function volumeLines(v: OverrideVolume): string[] {
  const lines = [`  ${q(v.key)}:`];
  if (v.name !== undefined) lines.push(`    name: ${q(v.name)}`);
  if (v.external) return [...lines, '    external: true', ...VOLUME_CREATION_KEYS.map((k) => `    ${k}`)];
  if (v.labels) lines.push('    labels:', ...Object.entries(v.labels).map(([k, x]) => `      ${q(k)}: ${q(x)}`));
  return lines;
}
