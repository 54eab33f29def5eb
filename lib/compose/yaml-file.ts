// Reading user compose files with `yaml`, loaded on first use (~35 ms): only for files the line rules of
// top-level.ts cannot read, or a cilo project's files not in the cache. User files are never rewritten.
import type * as Yaml from 'yaml';
import type { Document, LineCounter, ScalarTag, CollectionTag } from 'yaml';
import { UserError } from '../errors/index.js';

export interface ParsedComposeFile {
  file: string;
  text: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

type YamlModule = typeof Yaml;
let yamlModule: YamlModule | undefined;
export async function loadYaml(): Promise<YamlModule> {
  if (yamlModule) return yamlModule;
  // Bundled (scripts/bundle.mjs), this CommonJS package arrives as { default: exports }; unbundled, Node
  // also offers its named exports.
  const m = (await import('yaml')) as unknown as Partial<YamlModule> & { default?: YamlModule };
  return (yamlModule = (m.LineCounter ? m : m.default!) as YamlModule);
}

/** Compose's merge tags; declared so they parse quietly (their meaning is Compose's business). */
function composeTags(y: YamlModule): (ScalarTag | CollectionTag)[] {
  const passMap = { tag: '!reset', collection: 'map' as const, nodeClass: y.YAMLMap, identify: () => false };
  const passSeq = { tag: '!reset', collection: 'seq' as const, nodeClass: y.YAMLSeq, identify: () => false };
  const passStr = { tag: '!reset', identify: () => false, resolve: (s: string) => s };
  return [
    passMap,
    passSeq,
    passStr,
    { ...passMap, tag: '!override' },
    { ...passSeq, tag: '!override' },
    { ...passStr, tag: '!override' },
  ] as (ScalarTag | CollectionTag)[];
}

export async function parseComposeFile(file: string, text: string): Promise<ParsedComposeFile> {
  const y = await loadYaml();
  const lines = new y.LineCounter();
  const doc = y.parseDocument(text, {
    merge: true,
    lineCounter: lines,
    customTags: composeTags(y),
    prettyErrors: false,
  });
  const err = doc.errors[0];
  if (err) {
    // linePos is only filled in with prettyErrors; pos (offsets) always is.
    const pos = err.linePos?.[0] ?? (err.pos ? lines.linePos(err.pos[0]) : undefined);
    const where = pos ? `${file}:${pos.line}:${pos.col}` : file;
    const multi = err.code === 'MULTIPLE_DOCS';
    throw new UserError(
      `${where}: ${multi ? 'a compose file must hold a single YAML document (found a second one after ---)' : `invalid YAML: ${err.message.split('\n')[0]}`}`,
      multi
        ? 'split the documents into separate files and pass each with -f'
        : 'fix the file; `docker compose config` shows the same problem',
    );
  }
  return { file, text, doc, lines };
}

/** `file:line:col` of a node (or the file alone). */
export function positionOf(
  parsed: ParsedComposeFile,
  node: { range?: [number, number, number] | null } | null | undefined,
): string {
  const offset = node?.range?.[0];
  if (offset === undefined) return parsed.file;
  const p = parsed.lines.linePos(offset);
  return `${parsed.file}:${p.line}:${p.col}`;
}
