// `cilo`: argv → a typed options object → one core function. The commands are a table (commands.ts); each
// command module is imported only when it runs. What follows `--` is split off before yargs sees it: yargs
// would coerce it (1.50 → 1.5) and drop `--`.
import yargs, { type Argv } from 'yargs';
import { UsageError } from '../errors/index.js';
import type { Context } from '../context.js';
import type { Output } from './output.js';
import { COMMANDS, type Choose, type CommandSpec, type Run } from './commands.js';
import { packageInfo } from './package.js';

/** Registers a table of commands; the one that matches passes its run to `choose`. */
function register(y: Argv, specs: readonly CommandSpec[], forwarded: string[], choose: Choose): Argv {
  for (const spec of specs) {
    if ('subcommands' in spec) {
      y.command(spec.name, spec.describe, (yy) =>
        register(yy, spec.subcommands, forwarded, choose).demandCommand(1, spec.demand),
      );
      continue;
    }
    spec.register(y, forwarded, choose);
  }
  return y;
}

/** Builds the context of a command (parsing the settings); `contextFlag`: `cilo --context NAME`. */
export type ContextOf = (o: { contextFlag?: string }) => Context;

/**
 * Parses argv and runs the command. `context` is built when a command runs (not for --help or --version),
 * so a bad setting is reported before any work. `guardSignals`: called before a command that changes things.
 */
export async function main(
  argv: string[],
  context: ContextOf,
  out: Output,
  columns: number | undefined,
  guardSignals: () => void = () => undefined,
): Promise<void> {
  // The shells' completion asks on every <TAB>: answered without the parser.
  if (argv[0] === '__complete')
    return (await import('./complete.js')).runComplete(argv.slice(1), () => context({}), out);
  const dd = argv.indexOf('--');
  const forwarded = dd === -1 ? [] : argv.slice(dd + 1);
  const own = dd === -1 ? argv : argv.slice(0, dd);
  let chosen: Run | undefined;
  let guarded = false;
  let contextFlag: string | undefined;
  const parser = register(
    yargs(own)
      .scriptName('cilo')
      .locale('en')
      .parserConfiguration({ 'boolean-negation': false })
      .usage(
        'cilo: run isolated copies of a Compose project side by side, and environments they share\n\nUsage: cilo <command> [options]',
      ),
    COMMANDS,
    forwarded,
    (r, undoesOnSignal) => ([chosen, guarded] = [r, undoesOnSignal]),
  )
    .option('context', {
      type: 'string',
      global: true,
      describe:
        'the docker context of the engine a new environment goes to (default: the one docker uses); an existing one stays on its own',
    })
    .middleware((a) => void (contextFlag = a.context))
    .demandCommand(1, 'name a command')
    .strict()
    .help()
    .alias('h', 'help')
    .version(packageInfo().version)
    .wrap(Math.min(110, columns ?? 100))
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(msg, "see 'cilo --help'");
    });

  let helpText = '';
  await parser.parseAsync(own, {}, (err, _argv, output) => {
    if (err) throw err;
    helpText = output;
  });
  if (helpText) {
    out.out(helpText + '\n');
    return;
  }
  if (guarded) guardSignals();
  if (chosen) await chosen(context({ contextFlag }), out);
  else if (forwarded.length > 0) throw new UsageError('arguments after -- are only for `cilo up`');
}
