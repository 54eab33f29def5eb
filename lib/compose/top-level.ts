// The two top-level keys the shim decides by, `x-cilo` and `name`, found without a YAML parser where that is
// exact. A compose file written the usual way has its top-level mapping at column 0, so every top-level key
// starts a line and a line rule finds it. Anything else (JSON, a flow mapping, a whole document indented, an
// explicit `? key`, an anchor or a tag on a key, a byte-order mark) is read with the parser instead.
// The shell front (lib/shim/front.sh) applies the same shape rule before Node starts (docs/ARCHITECTURE.md,
// "The front").
import { loadYaml, parseComposeFile } from './yaml-file.js';

/** A line that holds no key: blank, a comment, a directive, or a bare document start. */
const NO_KEY = /^(?:[ \t\r\f\v]*(?:#.*)?|%.*|---[ \t\r\f\v]*)$/;

/**
 * True when every top-level key of this YAML text starts a line: the first line that holds anything starts
 * with a letter, a digit, `_` or a quote at column 0, and no line starts with `?`, `&`, `!` or `*`.
 */
export function keysStartLines(text: string): boolean {
  if (/^[?&!*]/m.test(text)) return false;
  for (const line of text.split('\n')) {
    if (/^[A-Za-z0-9_"']/.test(line)) return true;
    if (!NO_KEY.test(line)) return false;
  }
  return true; // no key at all
}

/** The spellings of a key YAML allows at the start of a line: plain, double- or single-quoted. */
const spellings = (key: string) => [key, `"${key}"`, `'${key}'`];
/** The top-level keys the shim decides by; the shell front's patterns are generated from these (bundle.mjs). */
export const XCILO_KEY: readonly string[] = spellings('x-cilo');
export const NAME_KEY: readonly string[] = spellings('name');
const keyLine = (key: readonly string[], rest = '') => new RegExp(`^(?:${key.join('|')})[ \\t]*:${rest}`, 'm');
const XCILO_LINE = keyLine(XCILO_KEY);
const NAME_LINE = keyLine(NAME_KEY, '[ \\t]*(.*)$');

/** The line rule for a top-level `x-cilo` key; exact where keysStartLines holds. */
export function mentionsXCilo(text: string): boolean {
  return XCILO_LINE.test(text);
}

/**
 * True when the top-level `name:` (if any) has a value on its own line that the line rule reads exactly: not
 * empty (the value on the next line), not a block scalar (`|`, `>`), an anchor, an alias, a tag or a flow
 * collection, a quote closed on the line without escapes, and no indented line after it (a plain scalar
 * continued). Where it does not hold, the shim reads the name with the YAML parser.
 */
export function nameIsPlain(text: string): boolean {
  const m = NAME_LINE.exec(text);
  if (!m) return true;
  const value = m[1]!.replace(/\s+#.*$/, '').trim();
  if (value === '' || /^[|>&*![{#]/.test(value)) return false;
  if (/^["']/.test(value) && (value.indexOf(value[0]!, 1) === -1 || /\\|''/.test(value))) return false;
  const next = text
    .slice(m.index + m[0].length + 1)
    .split('\n')
    .find((l) => l.trim() !== '');
  return next === undefined || !/^[ \t]/.test(next);
}

/** The line rule for the top-level `name:` value; exact where keysStartLines and nameIsPlain hold. */
export function topLevelName(text: string): string | undefined {
  const m = NAME_LINE.exec(text);
  if (!m) return undefined;
  let v = m[1]!.trim();
  if (v.startsWith('"') || v.startsWith("'")) {
    const q = v[0]!;
    const end = v.indexOf(q, 1);
    v = end === -1 ? v.slice(1) : v.slice(1, end);
  } else {
    v = v.replace(/\s+#.*$/, '');
  }
  return v;
}

export interface TopLevelKeys {
  xcilo: boolean;
  /** The `name:` value as written (not interpolated), when it is a scalar. */
  name?: string;
}

/** Both keys read with the parser, for a file where keysStartLines does not hold. Throws on invalid YAML. */
export async function readTopLevelKeys(file: string, text: string): Promise<TopLevelKeys> {
  const parsed = await parseComposeFile(file, text);
  const y = await loadYaml(); // already loaded by the parse
  const root = parsed.doc.contents;
  if (!y.isMap(root)) return { xcilo: false };
  const valueOf = (key: string) => root.items.find((p) => y.isScalar(p.key) && p.key.value === key);
  const name = valueOf('name')?.value;
  const value = y.isScalar(name) ? name.value : undefined;
  const scalar =
    typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
  return { xcilo: valueOf('x-cilo') !== undefined, ...(scalar !== undefined && { name: scalar }) };
}
