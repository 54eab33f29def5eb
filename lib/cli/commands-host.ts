// The rows of `cilo`'s command table (commands.ts) about this host rather than an environment: the router,
// the DNS server, the shells' integration, the Docker CLI plugin.
import { asJson, command, json, type CommandSpec } from './command-table.js';

export const HOST_COMMANDS: readonly CommandSpec[] = [
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
