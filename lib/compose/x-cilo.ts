// The `x-cilo` extension key (docs/DESIGN.md §3): parsed from every compose file that has it, validated with
// file:line:col positions, merged in file order (a later file's key replaces an earlier one's).
import type { Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { UserError } from '../errors/index.js';
import { validateName, validateSuffix } from '../state/names.js';
import { loadYaml, positionOf, type ParsedComposeFile } from './yaml-file.js';

export interface XCilo {
  project?: string;
  createShared?: boolean | string[];
  sharedNetworks?: string[];
  dnsSuffix?: string;
  sharedScope?: 'local' | 'swarm';
}

const KEYS = ['project', 'create-shared', 'shared-scope', 'shared-networks', 'dns-suffix'] as const;

/** Docker's own rule for network names. */
export const NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;

export async function readXCilo(files: readonly ParsedComposeFile[]): Promise<XCilo> {
  const y = await loadYaml();
  const merged: XCilo = {};
  for (const parsed of files) {
    const root = parsed.doc.contents;
    if (!y.isMap(root)) continue;
    const pair = root.items.find((p) => y.isScalar(p.key) && p.key.value === 'x-cilo') as
      Pair<Scalar, unknown> | undefined;
    if (!pair) continue;
    const at = (node: unknown) => positionOf(parsed, node as { range?: [number, number, number] });
    const fail = (node: unknown, path: string, problem: string, hint: string): never => {
      throw new UserError(`${at(node)}: ${path} ${problem}`, hint);
    };
    const value = pair.value;
    if (value === null || (y.isScalar(value) && value.value === null)) continue; // `x-cilo:` with nothing under it
    if (!y.isMap(value))
      fail(value ?? pair.key, 'x-cilo', 'must be a mapping', `for example:\nx-cilo:\n  create-shared: true`);
    for (const item of (value as YAMLMap).items) {
      const keyNode = item.key as Scalar;
      const key = String(y.isScalar(keyNode) ? keyNode.value : keyNode);
      const path = `x-cilo.${key}`;
      const v = item.value as Scalar | YAMLSeq | YAMLMap | null;
      const scalar = y.isScalar(v) ? v.value : undefined;
      const stringList = (what: string): string[] => {
        if (!y.isSeq(v)) fail(v ?? keyNode, path, `must be a list of ${what}`, `write it as ${key}: [name1, name2]`);
        return (v as YAMLSeq).items.map((n) => {
          const s = y.isScalar(n) ? n.value : undefined;
          if (typeof s !== 'string' || s.length === 0)
            fail(
              n,
              path,
              `must hold only ${what}, not ${JSON.stringify(y.isScalar(n) ? s : (n as { toJSON(): unknown }).toJSON())}`,
              `write it as ${key}: [name1, name2]`,
            );
          return s as string;
        });
      };
      switch (key as (typeof KEYS)[number]) {
        case 'project':
          if (typeof scalar !== 'string') fail(v ?? keyNode, path, 'must be a string', 'for example: project: shop');
          try {
            merged.project = validateName(scalar as string, 'project name');
          } catch (e) {
            fail(v, path, (e as UserError).message, (e as UserError).hint ?? '');
          }
          break;
        case 'create-shared':
          if (typeof scalar === 'boolean') merged.createShared = scalar;
          else if (y.isSeq(v)) merged.createShared = stringList('service names');
          else
            fail(
              v ?? keyNode,
              path,
              'must be true, false or a list of service names',
              'for example: create-shared: true  or  create-shared: [postgres]',
            );
          break;
        case 'shared-scope':
          if (scalar !== 'local' && scalar !== 'swarm')
            fail(
              v ?? keyNode,
              path,
              `must be local or swarm, not ${JSON.stringify(scalar ?? null)}`,
              'for example: shared-scope: swarm  (an overlay network that other engines of the swarm join)',
            );
          merged.sharedScope = scalar as 'local' | 'swarm';
          break;
        case 'shared-networks': {
          const nets = stringList('network names');
          for (const [i, n] of nets.entries())
            if (!NETWORK_NAME.test(n))
              fail(
                (v as YAMLSeq).items[i],
                path,
                `holds ${JSON.stringify(n)}, which is not a valid Docker network name`,
                'network names are letters, digits, and . _ - (not first)',
              );
          merged.sharedNetworks = nets;
          break;
        }
        case 'dns-suffix':
          if (typeof scalar !== 'string') fail(v ?? keyNode, path, 'must be a string', 'for example: dns-suffix: test');
          try {
            merged.dnsSuffix = validateSuffix(scalar as string);
          } catch (e) {
            fail(v, path, (e as UserError).message, (e as UserError).hint ?? '');
          }
          break;
        default:
          fail(keyNode, path, 'is not a known key', `x-cilo knows: ${KEYS.join(', ')}`);
      }
    }
  }
  return merged;
}
