// The two top-level keys the shim decides by, `x-cilo` and `name`, found without a YAML parser where that is
// exact. A compose file written the usual way has its top-level mapping at column 0, so every top-level key
// starts a line and a line rule finds it. Anything else (JSON, a flow mapping, a whole document indented, an
// explicit `? key`, an anchor or a tag on a key, a byte-order mark) is read with the parser instead.
// bin/cilo-compose applies the same shape rule before Node starts (docs/ARCHITECTURE.md, "The shell front").
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

/** The line rule for a top-level `x-cilo` key (YAML allows the key quoted); exact where keysStartLines holds. */
export function mentionsXCilo(text: string): boolean {
  return /^(?:x-cilo|"x-cilo"|'x-cilo')[ \t]*:/m.test(text);
}

/** The line rule for the top-level `name:` value; exact where keysStartLines holds. */
export function topLevelName(text: string): string | undefined {
  const m = /^(?:name|"name"|'name')[ \t]*:[ \t]*(.*)$/m.exec(text);
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
