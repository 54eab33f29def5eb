// The commands of `cilo`, as a table: name, description, options, and how the parsed arguments become
// the typed options of one command module, which is imported only when the command runs. Adding a command
// is adding a row here and a module under commands/ (docs/ARCHITECTURE.md, "Adding a command").
import { asJson, command, json, list, named, type CommandSpec } from './command-table.js';
import { HOST_COMMANDS } from './commands-host.js';
import { UsageError } from '../errors/index.js';

export type { Choose, CommandSpec, Leaf, Run } from './command-table.js';

export const COMMANDS: readonly CommandSpec[] = [
  command({
    name: 'create <name>',
    describe: 'register an environment for the compose project in DIR',
    options: (y) =>
      named(y, 'environment name (a DNS label)')
        .option('from', {
          type: 'string',
          describe: 'directory of the compose project (with --worktree: inside the repository; default: here)',
        })
        .option('worktree', {
          type: 'string',
          describe: 'add a git worktree of this branch (new or existing) and register the environment from it',
        })
        .option('project', { type: 'string', describe: 'grouping label (default: the directory name)' })
        .option('adopt', {
          type: 'boolean',
          describe: 'take over the containers and volumes the project has already (cilo never removes them)',
        })
        .option('keep', { type: 'boolean', describe: 'cilo gc never removes it' })
        .check((a) => {
          if (a.from !== undefined || a.worktree !== undefined) return true;
          throw new UsageError('give --from DIR, or --worktree BRANCH', "see 'cilo create --help'");
        })
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
          worktree: a.worktree,
          project: a.project,
          sharedNetworks: list(a.sharedNetwork),
          adopt: a.adopt === true,
          keep: a.keep === true,
          json: asJson(a),
        },
        c,
        o,
      ),
    optionValues: { from: 'directory', 'shared-network': 'shared-network' },
    undoesOnSignal: true,
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
    undoesOnSignal: true,
  }),
  command({
    name: 'down <name>',
    describe: 'stop the environment; keeps its networks, addresses and references',
    options: (y) => named(y).options(json),
    run: (a) => async (c, o) => (await import('./commands/down.js')).run({ name: a.name, json: asJson(a) }, c, o),
    completes: 'environment',
    undoesOnSignal: true,
  }),
  command({
    name: 'destroy <name>',
    describe: 'remove containers, volumes, networks, DNS records and state',
    options: (y) =>
      named(y)
        .option('force', {
          type: 'boolean',
          default: false,
          describe: 'even if others use its shared network, or its worktree has uncommitted changes',
        })
        .option('keep-worktree', {
          type: 'boolean',
          default: false,
          describe: 'keep the git worktree it was created with',
        })
        .options(json),
    run: (a) => async (c, o) =>
      (await import('./commands/destroy.js')).run(
        { name: a.name, force: a.force, keepWorktree: a.keepWorktree, json: asJson(a) },
        c,
        o,
      ),
    completes: 'environment',
    undoesOnSignal: true,
  }),
  command({
    name: 'fork <source> <name>',
    describe: "a new environment from SOURCE's project, with copies of its named volumes' data",
    options: (y) =>
      y
        .positional('source', { type: 'string', demandOption: true, describe: 'the environment to copy' })
        .positional('name', { type: 'string', demandOption: true, describe: 'the new environment' })
        .option('live', {
          type: 'boolean',
          default: false,
          describe: 'copy while SOURCE runs (default: its containers are paused for the copy)',
        })
        .option('uncopied', {
          type: 'string',
          choices: ['share', 'skip'] as const,
          describe: 'bind mounts and external volumes: use the same ones (share) or empty volumes (skip)',
        })
        .options(json),
    run: (a) => async (c, o) =>
      (await import('./commands/fork.js')).run(
        { source: a.source, name: a.name, live: a.live, uncopied: a.uncopied, json: asJson(a) },
        c,
        o,
      ),
    completes: 'environment',
    optionValues: { uncopied: ['share', 'skip'] },
    undoesOnSignal: true,
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
  command({
    name: 'env <name>',
    describe: 'where each service answers from this host (URL, host, port), for scripts, tests and agents',
    options: (y) =>
      named(y).option('format', {
        type: 'string',
        choices: ['dotenv', 'json', 'shell'] as const,
        default: 'dotenv' as const,
        describe: 'dotenv (KEY=value), shell (export KEY=...) or json',
      }),
    run: (a) => async (c, o) => (await import('./commands/env.js')).run({ name: a.name, format: a.format }, c, o),
    completes: 'environment',
    optionValues: { format: ['dotenv', 'json', 'shell'] },
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
  command({
    name: 'gc',
    describe: 'destroy environments no cilo command has used for a while and nothing depends on',
    options: (y) =>
      y
        .option('older-than', {
          type: 'string',
          default: '24h',
          describe: 'unused for at least this long: 90m, 12h, 7d (or seconds)',
        })
        .option('dry-run', { type: 'boolean', default: false, describe: 'list what would go, change nothing' })
        .option('include-running', {
          type: 'boolean',
          default: false,
          describe: 'remove idle environments that still run too (by default they are kept)',
        })
        .option('yes', { type: 'boolean', default: false, describe: 'on a terminal: do not ask first' })
        .options(json),
    run: (a) => async (c, o) =>
      (await import('./commands/gc.js')).run(
        { olderThan: a.olderThan, dryRun: a.dryRun, includeRunning: a.includeRunning, yes: a.yes, json: asJson(a) },
        c,
        o,
      ),
    optionValues: { 'older-than': ['1h', '24h', '7d'] },
    undoesOnSignal: true,
  }),
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
    undoesOnSignal: true,
  }),
  command({
    name: 'mcp',
    describe: 'serve the Model Context Protocol on stdio: the commands as tools for an agent',
    options: (y) =>
      y
        .option('allow-destructive', {
          type: 'boolean',
          default: false,
          describe: 'offer destroy and gc too (off: an agent cannot remove environments)',
        })
        .option('scope', {
          type: 'string',
          describe: 'serve only environments whose names start with this prefix (e.g. agent-7-)',
        }),
    run: (a) => async (c, o) =>
      (await import('./commands/mcp.js')).run({ allowDestructive: a.allowDestructive, scope: a.scope }, c, o),
    // A signal lets every call under way finish (and undo) and be answered; then the server exits.
    undoesOnSignal: true,
  }),
  ...HOST_COMMANDS,
];
