// The commands of `cilo`, as a table: name, description, options, and how the parsed arguments become
// the typed options of one command module, which is imported only when the command runs. Adding a command
// is adding a row here and a module under commands/ (docs/ARCHITECTURE.md, "Adding a command").
import type { ArgumentsCamelCase, Argv } from 'yargs';
import type { Context } from '../context.js';
import type { Output } from './output.js';

export type Run = (ctx: Context, out: Output) => Promise<void>;

/** What a positional or an option's value completes to (complete.ts). */
export type Completes = 'environment' | 'shared-network' | 'directory' | string[];

/** A command that runs; its options' types are its own (see command()), the table holds it as a Leaf. */
export interface Leaf {
  name: string | string[];
  describe: string;
  /** Declares its options on a parser (main.ts registers it, complete.ts reads what it declares). */
  options: (y: Argv) => Argv;
  /** Registers it on `y`; when it is the one the command line names, its run goes to `choose`. */
  register: (y: Argv, forwarded: string[], choose: (r: Run) => void) => Argv;
  /** The first positional's candidates. */
  completes?: Completes;
  /** Candidates of options that take a value, by option name. */
  optionValues?: Record<string, Completes>;
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
function command<O>(spec: Typed<O>): Leaf {
  return {
    ...spec,
    options: (y) => spec.options(y),
    register: (y, forwarded, choose) =>
      y.command(spec.name, spec.describe, spec.options, (argv) => choose(spec.run(argv, forwarded))),
  };
}

// Data commands print a table (or their text) by default; JSON with --json or --format json, as Compose and
// Docker spell it.
const json = {
  json: { type: 'boolean', default: false, describe: 'print JSON (for scripts)' },
  format: { type: 'string', choices: ['table', 'json'] as const, describe: 'table (the default) or json' },
} as const;
const asJson = (a: { json: boolean; format?: string }) => a.json || a.format === 'json';
const named = (y: Argv, describe?: string) => y.positional('name', { type: 'string', demandOption: true, describe });

/** `--shared-network a --shared-network b,c` → [a, b, c] */
const list = (v: readonly (string | number)[] | undefined): string[] =>
  (v ?? [])
    .flatMap((s) => String(s).split(','))
    .map((s) => s.trim())
    .filter(Boolean);

export const COMMANDS: readonly CommandSpec[] = [
  command({
    name: 'create <name>',
    describe: 'register an environment for the compose project in DIR',
    options: (y) =>
      named(y, 'environment name (a DNS label)')
        .option('from', { type: 'string', demandOption: true, describe: 'directory of the compose project' })
        .option('project', { type: 'string', describe: 'grouping label (default: the directory name)' })
        .option('shared-network', {
          type: 'string',
          array: true,
          describe: 'join this existing network (repeatable, or a comma list)',
        })
        .options(json),
    run: (a) => async (c, o) =>
      (await import('./commands/create.js')).run(
        {
          name: a.name,
          from: a.from,
          project: a.project,
          sharedNetworks: list(a.sharedNetwork),
          json: asJson(a),
        },
        c,
        o,
      ),
    optionValues: { from: 'directory', 'shared-network': 'shared-network' },
  }),
  command({
    name: 'up <name>',
    describe: 'start the environment (docker compose up -d); compose args go after --',
    options: (y) =>
      named(y)
        .option('create-shared', {
          type: 'boolean',
          default: false,
          describe: 'publish the network cilo-shared-<name>',
        })
        .option('shared-scope', {
          type: 'string',
          choices: ['local', 'swarm'] as const,
          describe: "what it reaches: this engine (a bridge) or the engine's swarm (an overlay)",
        })
        .options(json),
    run: (a, forwarded) => async (c, o) =>
      (await import('./commands/up.js')).run(
        {
          name: a.name,
          createShared: a.createShared,
          sharedScope: a.sharedScope,
          composeArgs: forwarded,
          json: asJson(a),
        },
        c,
        o,
      ),
    completes: 'environment',
    optionValues: { 'shared-scope': ['local', 'swarm'] },
  }),
  command({
    name: 'down <name>',
    describe: 'stop the environment; keeps its networks, addresses and references',
    options: (y) => named(y).options(json),
    run: (a) => async (c, o) => (await import('./commands/down.js')).run({ name: a.name, json: asJson(a) }, c, o),
    completes: 'environment',
  }),
  command({
    name: 'destroy <name>',
    describe: 'remove containers, volumes, networks, DNS records and state',
    options: (y) =>
      named(y)
        .option('force', { type: 'boolean', default: false, describe: 'even if others use its shared network' })
        .options(json),
    run: (a) => async (c, o) =>
      (await import('./commands/destroy.js')).run({ name: a.name, force: a.force, json: asJson(a) }, c, o),
    completes: 'environment',
  }),
  command({
    name: ['list', 'ls'],
    describe: 'list environments',
    options: (y) => y.options(json),
    run: (a) => async (c, o) => (await import('./commands/list.js')).run({ json: asJson(a) }, c, o),
  }),
  command({
    name: 'status <name>',
    describe: 'services, addresses, DNS names and shared networks of an environment',
    options: (y) => named(y).options(json),
    run: (a) => async (c, o) => (await import('./commands/status.js')).run({ name: a.name, json: asJson(a) }, c, o),
    completes: 'environment',
  }),
  {
    name: 'shared',
    describe: 'shared networks: list, inspect',
    demand: 'name a subcommand: list or inspect',
    subcommands: [
      command({
        name: ['list', 'ls'],
        describe: 'shared networks, their creator and references',
        options: (y) => y.options(json),
        run: (a) => async (c, o) => (await import('./commands/shared.js')).list({ json: asJson(a) }, c, o),
      }),
      command({
        name: 'inspect <network>',
        describe: 'one shared network in detail',
        options: (y) => y.positional('network', { type: 'string', demandOption: true }).options(json),
        run: (a) => async (c, o) =>
          (await import('./commands/shared.js')).inspect({ network: a.network, json: asJson(a) }, c, o),
        completes: 'shared-network',
      }),
    ],
  },
  {
    name: 'dns',
    describe: 'the DNS server for <service>.<env>.<suffix> names on the host',
    demand: 'name a subcommand: start, stop, status, render or setup',
    subcommands: [
      command({
        name: 'start',
        describe: "start cilo's dnsmasq (harmless if running)",
        options: (y) => y.options(json),
        run: (a) => async (c, o) => (await import('./commands/dns.js')).start({ json: asJson(a) }, c, o),
      }),
      command({
        name: 'stop',
        describe: "stop cilo's dnsmasq",
        options: (y) => y,
        run: () => async (c, o) => (await import('./commands/dns.js')).stop(c, o),
      }),
      command({
        name: 'status',
        describe: 'is it running, answering, on which port, how many records',
        options: (y) => y.options(json),
        run: (a) => async (c, o) => (await import('./commands/dns.js')).status({ json: asJson(a) }, c, o),
      }),
      command({
        name: 'render',
        describe: 'print the records cilo serves (hosts format, or JSON)',
        options: (y) => y.options(json),
        run: (a) => async (c, o) => (await import('./commands/dns.js')).render({ json: asJson(a) }, c, o),
      }),
      command({
        name: 'setup',
        describe: "route the suffixes to cilo's dnsmasq in the host resolver (needs root unless --print)",
        options: (y) =>
          y
            .option('print', {
              type: 'boolean',
              default: false,
              describe: 'print what would be written, write nothing',
            })
            .option('for', {
              type: 'string',
              choices: ['systemd-resolved', 'macos', 'manual'] as const,
              describe: 'resolver to configure (default: detected)',
            })
            .options(json),
        run: (a) => async (c, o) =>
          (await import('./commands/dns.js')).setup({ print: a.print, for: a.for, json: asJson(a) }, c, o),
      }),
    ],
  },
  command({
    name: 'doctor',
    describe: 'compare state with Docker: orphans, missing networks, stale references, DNS',
    options: (y) =>
      y
        .option('fix', {
          type: 'boolean',
          default: false,
          describe: 'repair what it finds (never deletes what cilo did not create)',
        })
        .options(json),
    run: (a) => async (c, o) => (await import('./commands/doctor.js')).run({ fix: a.fix, json: asJson(a) }, c, o),
  }),
  command({
    name: 'shell-init <shell>',
    describe: 'print shell code that sends `docker compose` and `docker-compose` through cilo-compose',
    options: (y) =>
      y.positional('shell', { type: 'string', choices: ['bash', 'zsh', 'fish'] as const, demandOption: true }),
    run: (a) => async (_c, o) => (await import('./commands/shell.js')).init({ shell: a.shell }, o),
    completes: ['bash', 'zsh', 'fish'],
  }),
  command({
    name: 'completion <shell>',
    describe: 'print the completion of cilo and cilo-compose for a shell',
    options: (y) =>
      y.positional('shell', { type: 'string', choices: ['bash', 'zsh', 'fish'] as const, demandOption: true }),
    run: (a) => async (_c, o) => (await import('./commands/shell.js')).completion({ shell: a.shell }, o),
    completes: ['bash', 'zsh', 'fish'],
  }),
  {
    name: 'plugin',
    describe: 'the Docker CLI plugin: `docker cilo <command>`',
    demand: 'name a subcommand: install or uninstall',
    subcommands: [
      command({
        name: 'install',
        describe: 'link docker-cilo into the Docker CLI plugin directory',
        options: (y) => y,
        run: () => async (c, o) => (await import('./commands/plugin.js')).install(c, o),
      }),
      command({
        name: 'uninstall',
        describe: 'remove the link',
        options: (y) => y,
        run: () => async (c, o) => (await import('./commands/plugin.js')).uninstall(c, o),
      }),
    ],
  },
];
