// The shape of lib/ that docs/ARCHITECTURE.md describes, held against the code: which folder may import
// which, no import cycle between modules, and functions and files that fit on a screen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { ROOT } from './helpers.ts';

const LIB = join(ROOT, 'lib');

/**
 * Folders from the bottom up; a folder may import only those listed before it (and itself). The core is
 * three folders and one entry point (docs/ARCHITECTURE.md, "The core"): pure decisions, the steps that talk to the engine,
 * the files and the host, the use cases, and the service every front calls.
 */
const LAYERS = [
  'errors',
  'docker',
  'state',
  'network',
  'compose',
  'dns',
  'settings.ts',
  'context.ts',
  'core/plan',
  'core/steps',
  'core/use-cases',
  'core/service.ts',
  'views',
  'mcp',
  'cli',
  'shim',
];
const CORE_INSIDE = ['core/plan', 'core/steps', 'core/use-cases'];
/** Exceptions to "anything below": the fronts reach the core by its service alone; the shim's hot path. */
const MAY_NOT: Record<string, string[]> = {
  // The shim loads the service lazily (a dynamic import), never statically.
  shim: ['cli', ...CORE_INSIDE, 'core/service.ts', 'views', 'mcp'],
  cli: CORE_INSIDE,
  mcp: CORE_INSIDE,
  views: CORE_INSIDE,
  compose: ['network', 'dns'],
  dns: ['network', 'compose'],
};
const FRONTS = ['cli', 'shim', 'mcp', 'views'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const folderOf = (file: string) => {
  const [top, sub] = relative(LIB, file).split('/');
  return top === 'core' ? `core/${sub}` : top!;
};

/**
 * Imports resolved to files of lib: static ones (type-only ones too: they are arrows in the picture), and
 * with `lazy` the dynamic `import()`s as well (a module loaded later is still a dependency).
 */
function importsOf(file: string, lazy = false): string[] {
  const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const specs: string[] = [];
  for (const s of src.statements)
    if (
      (ts.isImportDeclaration(s) || ts.isExportDeclaration(s)) &&
      s.moduleSpecifier &&
      ts.isStringLiteral(s.moduleSpecifier)
    )
      specs.push(s.moduleSpecifier.text);
  const visit = (n: ts.Node): void => {
    if (
      ts.isCallExpression(n) &&
      n.expression.kind === ts.SyntaxKind.ImportKeyword &&
      n.arguments[0] &&
      ts.isStringLiteral(n.arguments[0])
    )
      specs.push(n.arguments[0].text);
    ts.forEachChild(n, visit);
  };
  if (lazy) visit(src);
  return specs.filter((p) => p.startsWith('.')).map((p) => resolve(dirname(file), p.replace(/\.js$/, '.ts')));
}

test('each folder imports only the folders below it', () => {
  const wrong: string[] = [];
  for (const f of files(LIB)) {
    const from = folderOf(f);
    for (const target of importsOf(f)) {
      const to = folderOf(target);
      if (to === from) continue;
      const ok = LAYERS.indexOf(to) < LAYERS.indexOf(from) && !(MAY_NOT[from] ?? []).includes(to);
      if (!ok) wrong.push(`${relative(ROOT, f)} → ${relative(ROOT, target)}`);
    }
  }
  assert.deepEqual(wrong, []);
  assert.deepEqual(
    [...readdirSync(LIB).filter((r) => r !== 'core'), ...readdirSync(join(LIB, 'core')).map((r) => `core/${r}`)].filter(
      (r) => !LAYERS.includes(r),
    ),
    [],
    'every folder of lib has its place in LAYERS',
  );
});

test('the fronts reach the core through its service alone, lazy imports included', () => {
  const wrong = files(LIB)
    .filter((f) => FRONTS.includes(folderOf(f)))
    .flatMap((f) => importsOf(f, true).map((target) => [f, target] as const))
    .filter(([, target]) => CORE_INSIDE.includes(folderOf(target)))
    .map(([f, target]) => `${relative(ROOT, f)} → ${relative(ROOT, target)}`);
  assert.deepEqual(wrong, []);
});

/**
 * The plan of an environment is decided by pure code (docs/ARCHITECTURE.md, "Plan, then apply"): the
 * modules of core/plan, and everything they import (type-only imports aside), reach no module that talks to Docker or
 * starts a process, and no context (which holds both).
 */
const PLAN_MODULES = readdirSync(join(LIB, 'core', 'plan')).map((f) => `core/plan/${f}`);
/** The modules that talk to Docker or start processes (docker/engines.ts only reads the docker CLI's config). */
const NOT_FROM_PLAN = [
  'docker/docker.ts',
  'docker/process.ts',
  'docker/api.ts',
  'context.ts',
  'core/steps/engines.ts',
  'network/networks.ts',
  'network/anchor.ts',
  'dns/server.ts',
];
const PROCESS_BUILTINS = /^(node:)?(child_process|net|http|https|dgram)$/;

/** Value imports of a file: relative ones resolved to files of lib, and Node built-ins by name. */
function valueImportsOf(file: string): { files: string[]; builtins: string[] } {
  const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const specs: string[] = [];
  for (const s of src.statements) {
    // A re-export loads its module as an import does (unless it is of types only).
    if (ts.isExportDeclaration(s) && s.moduleSpecifier && ts.isStringLiteral(s.moduleSpecifier) && !s.isTypeOnly)
      specs.push(s.moduleSpecifier.text);
    if (!ts.isImportDeclaration(s) || !ts.isStringLiteral(s.moduleSpecifier) || s.importClause?.isTypeOnly) continue;
    const named = s.importClause?.namedBindings;
    const onlyTypes =
      named &&
      ts.isNamedImports(named) &&
      named.elements.length > 0 &&
      named.elements.every((e) => e.isTypeOnly) &&
      !s.importClause?.name;
    if (!onlyTypes) specs.push(s.moduleSpecifier.text);
  }
  return {
    files: specs.filter((p) => p.startsWith('.')).map((p) => resolve(dirname(file), p.replace(/\.js$/, '.ts'))),
    builtins: specs.filter((p) => !p.startsWith('.')),
  };
}

test("the plan's modules reach no Docker, process or context module, even through others", () => {
  const wrong: string[] = [];
  for (const start of PLAN_MODULES) {
    const seen = new Set<string>();
    const walk = (f: string, path: string[]): void => {
      if (seen.has(f)) return;
      seen.add(f);
      const { files: next, builtins } = valueImportsOf(f);
      for (const b of builtins)
        if (PROCESS_BUILTINS.test(b)) wrong.push(`${[...path, relative(LIB, f)].join(' → ')} → ${b}`);
      for (const g of next) {
        const rel = relative(LIB, g);
        if (NOT_FROM_PLAN.includes(rel)) wrong.push(`${[...path, relative(LIB, f)].join(' → ')} → ${rel}`);
        else walk(g, [...path, relative(LIB, f)]);
      }
    };
    walk(join(LIB, start), []);
  }
  assert.deepEqual(wrong, []);
});

test('no import cycle between modules, lazy imports included', () => {
  const graph = new Map(files(LIB).map((f) => [f, importsOf(f, true)]));
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const visit = (f: string, path: string[]) => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'open')
      return void cycles.push([...path.slice(path.indexOf(f)), f].map((p) => relative(LIB, p)).join(' → '));
    state.set(f, 'open');
    for (const g of graph.get(f) ?? []) visit(g, [...path, f]);
    state.set(f, 'done');
  };
  for (const f of graph.keys()) visit(f, []);
  assert.deepEqual(cycles, []);
});

test('functions of at most 80 lines, files of at most 300', () => {
  const long: string[] = [];
  for (const f of files(LIB)) {
    const text = readFileSync(f, 'utf8');
    const lines = text.split('\n').length - 1;
    if (lines > 300) long.push(`${relative(ROOT, f)}: ${lines} lines`);
    const src = ts.createSourceFile(f, text, ts.ScriptTarget.Latest, true);
    const visit = (n: ts.Node) => {
      if (ts.isFunctionLike(n) && 'body' in n && n.body) {
        const a = src.getLineAndCharacterOfPosition(n.getStart()).line;
        const b = src.getLineAndCharacterOfPosition(n.getEnd()).line;
        if (b - a + 1 > 80) long.push(`${relative(ROOT, f)}:${a + 1}: a function of ${b - a + 1} lines`);
      }
      ts.forEachChild(n, visit);
    };
    visit(src);
  }
  assert.deepEqual(long, []);
});
