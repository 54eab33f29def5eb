// How a row of the command table (commands.ts) is typed and registered: what a command and a group are, the
// typed constructor that carries yargs' option types to a command's run, and the option sets data commands share.
import type { ArgumentsCamelCase, Argv } from 'yargs';
import type { Context } from '../context.js';
import type { Output } from './output.js';

export type Run = (ctx: Context, out: Output) => Promise<void>;

/** The command that matched: its run, and whether a signal must undo its work rather than end cilo. */
export type Choose = (r: Run, undoesOnSignal: boolean) => void;

/** What a positional or an option's value completes to (complete.ts). */
export type Completes = 'environment' | 'shared-network' | 'directory' | string[];

/** A command that runs; its options' types are its own (see command()), the table holds it as a Leaf. */
export interface Leaf {
  name: string | string[];
  describe: string;
  /** Declares its options on a parser (main.ts registers it, complete.ts reads what it declares). */
  options: (y: Argv) => Argv;
  /** Registers it on `y`; when it is the one the command line names, its run goes to `choose`. */
  register: (y: Argv, forwarded: string[], choose: Choose) => Argv;
  /** The first positional's candidates. */
  completes?: Completes;
  /** Candidates of options that take a value, by option name. */
  optionValues?: Record<string, Completes>;
  /** It changes things: a Ctrl-C stops its work and undoes what it began (docker/interruption.ts). */
  undoesOnSignal?: boolean;
}

/** A command with subcommands. */
export interface Group {
  name: string;
  describe: string;
  demand: string;
  subcommands: readonly CommandSpec[];
}

export type CommandSpec = Leaf | Group;

interface Typed<O> extends Omit<Leaf, 'options' | 'register'> {
  options: (y: Argv) => Argv<O>;
  /** Maps the parsed arguments, typed as the options declared them, to the command module's run. */
  run: (a: ArgumentsCamelCase<O>, forwarded: string[]) => Run;
}

/** A row of the table: yargs' types flow from the options a command declares to its run, with no cast. */
export function command<O>(spec: Typed<O>): Leaf {
  return {
    ...spec,
    options: (y) => spec.options(y),
    register: (y, forwarded, choose) =>
      y.command(spec.name, spec.describe, spec.options, (argv) =>
        choose(spec.run(argv, forwarded), spec.undoesOnSignal === true),
      ),
  };
}

// Data commands print a table (or their text) by default; JSON with --json or --format json, as Compose and
// Docker spell it.
export const json = {
  json: { type: 'boolean', default: false, describe: 'print JSON (for scripts)' },
  format: { type: 'string', choices: ['table', 'json'] as const, describe: 'table (the default) or json' },
} as const;
export const asJson = (a: { json: boolean; format?: string }) => a.json || a.format === 'json';
export const named = (y: Argv, describe?: string) =>
  y.positional('name', { type: 'string', demandOption: true, describe });

/** `--shared-network a --shared-network b,c` → [a, b, c] */
export const list = (v: readonly (string | number)[] | undefined): string[] =>
  (v ?? [])
    .flatMap((s) => String(s).split(','))
    .map((s) => s.trim())
    .filter(Boolean);
