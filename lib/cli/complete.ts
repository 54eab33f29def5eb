// `cilo __complete WORDS… CURRENT`: the candidates for the last word, in the protocol of cobra (see
// shell.ts): commands and subcommands from the command table, a command's options as yargs declares them,
// their choices, and environment or shared-network names where a command takes one.
import yargs from 'yargs';
import type { Context } from '../context.js';
import { knownNames } from '../core/service.js';
import { COMMANDS, type CommandSpec, type Leaf } from './commands.js';
import type { Output } from './output.js';

/** Directive bits: no space after the candidate; no file names either. */
export const NO_SPACE = 2;
export const NO_FILES = 4;

export interface Sources {
  environments(): string[];
  sharedNetworks(): string[];
}

export interface Completion {
  values: string[];
  directive: number;
}

const names = (spec: CommandSpec) => ([] as string[]).concat(spec.name).map((n) => n.split(' ')[0]!);
const positionals = (spec: CommandSpec) =>
  ([] as string[])
    .concat(spec.name)[0]!
    .split(' ')
    .slice(1)
    .map((p) => p.replace(/[<>[\]]/g, ''));

/** The options a command declares: `--name` → whether it takes a value, and its choices. */
interface DeclaredOptions {
  key: Record<string, unknown>;
  string: string[];
  array: string[];
  choices: Record<string, string[]>;
}

function optionsOf(spec: Leaf): Map<string, { value: boolean; choices?: string[] }> {
  // yargs keeps what a builder declared; its types leave getOptions out.
  const o = (spec.options(yargs([])) as unknown as { getOptions(): DeclaredOptions }).getOptions();
  const skip = new Set([...positionals(spec), 'version']);
  const out = new Map<string, { value: boolean; choices?: string[] }>();
  for (const key of Object.keys(o.key).filter((k) => !skip.has(k)))
    out.set(`--${key}`, { value: o.string.includes(key) || o.array.includes(key), choices: o.choices[key] });
  return out;
}

function valuesFor(kind: Leaf['completes'], sources: Sources): Completion {
  if (kind === 'environment') return { values: sources.environments(), directive: NO_FILES };
  if (kind === 'shared-network') return { values: sources.sharedNetworks(), directive: NO_FILES };
  if (Array.isArray(kind)) return { values: kind, directive: NO_FILES };
  return { values: [], directive: kind === 'directory' ? 0 : NO_FILES };
}

/** Completes `cur` inside command `spec`, after its `args` (options and positionals). */
function completeLeaf(spec: Leaf, args: string[], cur: string, sources: Sources): Completion {
  const options = optionsOf(spec);
  const prev = options.get(args.at(-1) ?? '');
  if (prev?.value)
    return prev.choices
      ? { values: prev.choices, directive: NO_FILES }
      : valuesFor(spec.optionValues?.[args.at(-1)!.slice(2)], sources);
  if (cur.startsWith('-')) return { values: [...options.keys()].sort(), directive: NO_FILES };
  const given = args.filter((a, i) => !a.startsWith('-') && !options.get(args[i - 1] ?? '')?.value).length;
  return given < positionals(spec).length ? valuesFor(spec.completes, sources) : { values: [], directive: NO_FILES };
}

export function complete(words: readonly string[], sources: Sources): Completion {
  const cur = words.at(-1) ?? '';
  let specs: readonly CommandSpec[] = COMMANDS;
  let i = 0;
  for (; i < words.length - 1; i++) {
    const spec = specs.find((s) => names(s).includes(words[i]!));
    if (!spec) return { values: [], directive: NO_FILES }; // an option before the command, or a typo
    if ('subcommands' in spec) specs = spec.subcommands;
    else return completeLeaf(spec, words.slice(i + 1, -1), cur, sources);
  }
  const values = specs.flatMap(names).filter((n) => !n.startsWith('__'));
  return {
    values: cur.startsWith('-') ? ['--help', ...(specs === COMMANDS ? ['--version'] : [])] : values,
    directive: NO_FILES,
  };
}

/** The protocol's text: one candidate a line, then `:<directive>`. */
export function completionText(c: Completion, cur: string): string {
  return [...c.values.filter((v) => v.startsWith(cur)), `:${c.directive}`].join('\n') + '\n';
}

/** `cilo __complete WORDS…`: names come from the state only when a word needs them; a bad setting completes none. */
export async function runComplete(words: string[], context: () => Context, out: Output): Promise<void> {
  const names = () => {
    try {
      return knownNames(context());
    } catch {
      return { environments: [], sharedNetworks: [] };
    }
  };
  const sources = { environments: () => names().environments, sharedNetworks: () => names().sharedNetworks };
  const ws = words.length > 0 ? words : [''];
  out.out(completionText(complete(ws, sources), ws.at(-1)!));
}
