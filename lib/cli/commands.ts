// The commands of `cilo`, as a table: name, description, options, and how the parsed arguments become
// the typed options of one command module, which is imported only when the command runs. Adding a command
// is adding a row here and a module under commands/ (docs/ARCHITECTURE.md, "Adding a command").
import { asJson, command, json, list, named, type CommandSpec } from './command-table.js';

export type { CommandSpec, Leaf, Run } from './command-table.js';

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
    name: 'router',
    describe: 'the router that serves http(s)://<service>.<env>.localhost',
    demand: 'name a subcommand: status, trust or stop',
    subcommands: [
      command({
        name: 'status',
        describe: 'is it running, on which ports, with which routes (and are they current)',
        options: (y) => y.options(json),
        run: (a) => async (c, o) => (await import('./commands/router.js')).status({ json: asJson(a) }, c, o),
      }),
      command({
        name: 'trust',
        describe: "print the root certificate of its HTTPS names, or install it in the system's trust store",
        options: (y) => y.option('install', { type: 'boolean', default: false, describe: 'install it (root; Debian)' }),
        run: (a) => async (c, o) => (await import('./commands/router.js')).trust({ install: a.install }, c, o),
      }),
      command({
        name: 'stop',
        describe: 'remove the router (its certificate authority is kept); the next up starts it again',
        options: (y) =>
          y
            .option('purge', {
              type: 'boolean',
              default: false,
              describe: 'also remove its certificate authority and free its ports',
            })
            .options(json),
        run: (a) => async (c, o) =>
          (await import('./commands/router.js')).stop({ json: asJson(a), purge: a.purge }, c, o),
      }),
    ],
  },
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
