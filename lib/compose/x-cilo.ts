// The `x-cilo` extension key (docs/DESIGN.md §3): parsed from every compose file that has it, validated with
// file:line:col positions, merged in file order (a later file's key replaces an earlier one's). Each key has
// one reader in the table below; an error names the file, the line, the key and shows an example.
import type { Node, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { UserError } from '../errors/index.js';
import { validateName, validateSuffix } from '../state/names.js';
import { loadYaml, positionOf, type ParsedComposeFile } from './yaml-file.js';

export interface XCilo {
  project?: string;
  createShared?: boolean | string[];
  sharedNetworks?: string[];
  dnsSuffix?: string;
  sharedScope?: 'local' | 'swarm';
  /** How the host reaches the services (overrides what cilo decides for the engine). */
  access?: 'routed' | 'published';
  /** The router's port per service: a container port, or false for none (default: its first `ports:` entry). */
  http?: Record<string, number | false>;
}

/** Docker's own rule for network names. */
export const NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;

type YamlModule = Awaited<ReturnType<typeof loadYaml>>;

/** One key's value, with what its reader needs to check it and to say where it is wrong. */
interface Value {
  key: string;
  node: Scalar | YAMLSeq | YAMLMap | null;
  /** The scalar value, when the node is a scalar. */
  scalar: unknown;
  y: YamlModule;
  /** Throws a UserError at `at` (default: the value, or its key when it has none). */
  fail(problem: string, hint: string, at?: unknown): never;
}

/** A list of non-empty strings, or an error saying what the list must hold. */
function stringList(v: Value, what: string): string[] {
  const hint = `write it as ${v.key}: [name1, name2]`;
  if (!v.y.isSeq(v.node)) v.fail(`must be a list of ${what}`, hint);
  return v.node.items.map((n) => {
    const s = v.y.isScalar(n) ? n.value : undefined;
    if (typeof s !== 'string' || s.length === 0) {
      const shown = v.y.isScalar(n) ? s : (n as { toJSON(): unknown }).toJSON();
      v.fail(`must hold only ${what}, not ${JSON.stringify(shown)}`, hint, n);
    }
    return s;
  });
}

/** A string checked by one of cilo's name rules; the rule's own message and hint on failure. */
function validString(v: Value, example: string, check: (s: string) => string): string {
  if (typeof v.scalar !== 'string') v.fail('must be a string', `for example: ${example}`);
  try {
    return check(v.scalar);
  } catch (e) {
    return v.fail((e as UserError).message, (e as UserError).hint ?? '');
  }
}

const READERS: Record<string, (v: Value) => Partial<XCilo>> = {
  project: (v) => ({ project: validString(v, 'project: shop', (s) => validateName(s, 'project name')) }),
  'create-shared': (v) => {
    if (typeof v.scalar === 'boolean') return { createShared: v.scalar };
    if (v.y.isSeq(v.node)) return { createShared: stringList(v, 'service names') };
    return v.fail(
      'must be true, false or a list of service names',
      'for example: create-shared: true  or  create-shared: [postgres]',
    );
  },
  'shared-scope': (v) => {
    if (v.scalar === 'local' || v.scalar === 'swarm') return { sharedScope: v.scalar };
    return v.fail(
      `must be local or swarm, not ${JSON.stringify(v.scalar ?? null)}`,
      'for example: shared-scope: swarm  (an overlay network that other engines of the swarm join)',
    );
  },
  'shared-networks': (v) => {
    const nets = stringList(v, 'network names');
    nets.forEach((n, i) => {
      if (!NETWORK_NAME.test(n))
        v.fail(
          `holds ${JSON.stringify(n)}, which is not a valid Docker network name`,
          'network names are letters, digits, and . _ - (not first)',
          (v.node as YAMLSeq).items[i],
        );
    });
    return { sharedNetworks: nets };
  },
  'dns-suffix': (v) => ({ dnsSuffix: validString(v, 'dns-suffix: test', validateSuffix) }),
  access: (v) => {
    if (v.scalar === 'routed' || v.scalar === 'published') return { access: v.scalar };
    return v.fail(
      `must be routed or published, not ${JSON.stringify(v.scalar ?? null)}`,
      'for example: access: published  (every service on a host port of its own; leave it out to let cilo decide)',
    );
  },
  http: (v) => {
    const example = 'for example:\nhttp:\n  web: 3000\n  worker: false';
    if (!v.y.isMap(v.node)) v.fail('must be a mapping of service names to a port or false', example);
    const out: Record<string, number | false> = {};
    for (const item of (v.node as YAMLMap).items) {
      const service = v.y.isScalar(item.key) ? item.key.value : undefined;
      const port = v.y.isScalar(item.value) ? item.value.value : undefined;
      if (typeof service !== 'string') v.fail('must have service names as keys', example, item.key);
      if (port !== false && !(Number.isInteger(port) && (port as number) >= 1 && (port as number) <= 65535))
        v.fail(
          `${JSON.stringify(service)} must be a container port (1-65535) or false, not ${JSON.stringify(port ?? null)}`,
          example,
          item.value,
        );
      out[service as string] = port as number | false;
    }
    return { http: out };
  },
};

/** The `x-cilo` mapping of one file (undefined when the file has none, or an empty one). */
function xciloOf(y: YamlModule, parsed: ParsedComposeFile): YAMLMap | undefined {
  const root = parsed.doc.contents;
  if (!y.isMap(root)) return undefined;
  const pair = root.items.find((p) => y.isScalar(p.key) && p.key.value === 'x-cilo') as
    Pair<Scalar, unknown> | undefined;
  const value = pair?.value;
  if (!pair || value === null || (y.isScalar(value) && value.value === null)) return undefined; // `x-cilo:` alone
  if (y.isMap(value)) return value;
  throw new UserError(
    `${positionOf(parsed, value ?? pair.key)}: x-cilo must be a mapping`,
    `for example:\nx-cilo:\n  create-shared: true`,
  );
}

export async function readXCilo(files: readonly ParsedComposeFile[]): Promise<XCilo> {
  const y = await loadYaml();
  const merged: XCilo = {};
  for (const parsed of files) {
    for (const item of xciloOf(y, parsed)?.items ?? []) {
      const keyNode = item.key as Scalar;
      const key = String(y.isScalar(keyNode) ? keyNode.value : keyNode);
      const node = item.value as Value['node'];
      const fail = (problem: string, hint: string, at: unknown = node ?? keyNode): never => {
        throw new UserError(`${positionOf(parsed, at as Node)}: x-cilo.${key} ${problem}`, hint);
      };
      const read = READERS[key];
      if (!read) fail('is not a known key', `x-cilo knows: ${Object.keys(READERS).join(', ')}`, keyNode);
      Object.assign(merged, read!({ key, node, scalar: y.isScalar(node) ? node.value : undefined, y, fail }));
    }
  }
  return merged;
}
