// What the code cites of the docs exists there: `docs/DESIGN.md §N` names a section of that number, and a
// title after it ("The router") a heading or a bold lead in it; `ARCHITECTURE.md, "…"` and `TEST-RIG.md, "…"`
// name a heading of theirs. A comment that cites a section which moved or never was fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './helpers.ts';

const doc = (name: string) => readFileSync(join(ROOT, 'docs', name), 'utf8');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (f === 'node_modules' || f === 'dist' || f.startsWith('.')) return [];
    return statSync(p).isDirectory() ? sources(p) : /\.(ts|mjs|sh|js)$|^cilo$/.test(f) ? [p] : [];
  });
}

/** The text of DESIGN.md's section N (from its `## N.` heading to the next `## `). */
function designSection(n: string): string | undefined {
  const text = doc('DESIGN.md');
  const start = text.search(new RegExp(`^## ${n}\\. `, 'm'));
  if (start < 0) return undefined;
  const next = text.slice(start + 3).search(/^## /m);
  return next < 0 ? text.slice(start) : text.slice(start, start + 3 + next);
}

/** A heading (or, in a DESIGN section, a bold lead) that starts with `title`, case aside. */
const hasTitle = (text: string, title: string) =>
  text
    .split('\n')
    .some((l) =>
      new RegExp(`^(#{2,4} (\\d+\\. )?|- \\*\\*|\\*\\*)${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'i').test(l),
    );

test('every section of the docs that the code cites exists', () => {
  const missing: string[] = [];
  const files = ['lib', 'scripts', 'bin', 'bench', 'test'].flatMap((d) => sources(join(ROOT, d)));
  for (const file of files.filter((f) => f !== import.meta.filename)) {
    const text = readFileSync(file, 'utf8').replace(/\n\s*(\/\/|#|\*)\s*/g, ' ');
    const where = relative(ROOT, file);
    for (const m of text.matchAll(/DESIGN\.md §(\d+)(?:, "([^"]+)")?/g)) {
      const section = designSection(m[1]!);
      if (!section) missing.push(`${where}: DESIGN.md §${m[1]}`);
      else if (m[2] && !hasTitle(section, m[2])) missing.push(`${where}: DESIGN.md §${m[1]}, "${m[2]}"`);
    }
    for (const m of text.matchAll(/(ARCHITECTURE|TEST-RIG)\.md, "([^"]+)"/g))
      if (!hasTitle(doc(`${m[1]}.md`), m[2]!)) missing.push(`${where}: ${m[1]}.md, "${m[2]}"`);
  }
  assert.deepEqual(missing, []);
});
