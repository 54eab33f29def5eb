// Output conventions: data to stdout (tables, or JSON with --json), logs to stderr; colour only on a TTY,
// never with NO_COLOR set (non-empty), forced by FORCE_COLOR. Decided per stream.
import type { Readable, Writable } from 'node:stream';
import kleur from 'kleur';

export function colorEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

export type Paint = (s: string) => string;
export interface Palette {
  bold: Paint;
  dim: Paint;
  red: Paint;
  yellow: Paint;
  green: Paint;
}

export function palette(enabled: boolean): Palette {
  // kleur has one global switch, decided from stdout and its own NO_COLOR reading; we decide per stream.
  if (enabled) kleur.enabled = true;
  const k = kleur;
  const wrap = (f: (s: string) => string): Paint => (enabled ? f : (s) => s);
  return {
    bold: wrap((s) => k.bold(s)),
    dim: wrap((s) => k.dim(s)),
    red: wrap((s) => k.red(s)),
    yellow: wrap((s) => k.yellow(s)),
    green: wrap((s) => k.green(s)),
  };
}

export interface Output {
  out(text: string): void;
  err(text: string): void;
  json(value: unknown): void;
  /** Colours for stdout. */
  paint: Palette;
  /** The streams themselves, for a command that speaks a protocol on them (cilo mcp). */
  stdio?: { stdin: Readable; stdout: Writable };
}

/** Header line and row lines, columns padded to their widest cell. */
export function alignRows(header: string[], rows: string[][], paintHeader: Paint = (s) => s): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [paintHeader(line(header)), ...rows.map(line)];
}

export function table(header: string[], rows: string[][], paintHeader: Paint = (s) => s): string {
  return alignRows(header, rows, paintHeader).join('\n') + '\n';
}

/** Whether a command line asks for JSON (`--json`, `--format json`, `--format=json`), before any `--`. */
export function jsonRequested(argv: readonly string[]): boolean {
  const own = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
  return own.some((a, i) => a === '--json' || a === '--format=json' || (a === '--format' && own[i + 1] === 'json'));
}

/** Whether a person is at the keyboard: stdin and stdout both a terminal. */
export const interactive = (out: Output) =>
  (out.stdio?.stdin as { isTTY?: boolean } | undefined)?.isTTY === true &&
  (out.stdio?.stdout as { isTTY?: boolean } | undefined)?.isTTY === true;

/** Asks a yes/no question on the terminal (the question on stderr); only "y" or "yes" is yes. */
export async function confirm(out: Output, question: string): Promise<boolean> {
  if (!out.stdio) return false;
  out.err(question);
  const { createInterface } = await import('node:readline');
  const rl = createInterface({ input: out.stdio.stdin, terminal: false });
  try {
    const line = await new Promise<string>((resolve) => {
      rl.once('line', resolve);
      rl.once('close', () => resolve(''));
    });
    return /^\s*y(es)?\s*$/i.test(line);
  } finally {
    rl.close();
  }
}
