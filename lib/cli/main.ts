// `cilo`: argv → a typed options object → one core function. Command modules are imported lazily.
// What follows `--` is split off before yargs sees it: yargs would coerce it (1.50 → 1.5) and drop `--`.
import { readFileSync } from 'node:fs';
import yargs from 'yargs';
import { UsageError } from '../errors/index.js';
import type { Context } from '../env/context.js';
import type { Output } from './output.js';

export type Command = (ctx: Context, out: Output) => Promise<void>;

/** Our package.json, found upwards from this module (its depth differs between dist/ and the bundle). */
function packageVersion(): string {
  for (let url = new URL('./package.json', import.meta.url); ; url = new URL('../package.json', url)) {
    try {
      const pkg = JSON.parse(readFileSync(url, 'utf8')) as { name?: string; version: string };
      if (pkg.name === 'cilo') return pkg.version;
    } catch {
      // not here
    }
    if (url.pathname === '/package.json') return 'unknown';
  }
}

/** `--shared-network a --shared-network b,c` → [a, b, c] */
const list = (v: unknown): string[] => ([] as unknown[]).concat(v ?? []).flatMap((s) => String(s).split(',')).map((s) => s.trim()).filter(Boolean);

export async function main(argv: string[], ctx: Context, out: Output): Promise<void> {
  const dd = argv.indexOf('--');
  const forwarded = dd === -1 ? [] : argv.slice(dd + 1);
  const own = dd === -1 ? argv : argv.slice(0, dd);
  let chosen: Command | undefined;
  const json = { json: { type: 'boolean' as const, default: false, describe: 'print JSON (for scripts)' } };

  const parser = yargs(own)
    .scriptName('cilo')
    .locale('en')
    .parserConfiguration({ 'boolean-negation': false })
    .usage('cilo: run isolated copies of a Compose project side by side, and environments they share\n\nUsage: cilo <command> [options]')
    .command(
      'create <name>',
      'register an environment for the compose project in DIR',
      (y) =>
        y
          .positional('name', { type: 'string', demandOption: true, describe: 'environment name (a DNS label)' })
          .option('from', { type: 'string', demandOption: true, describe: 'directory of the compose project' })
          .option('project', { type: 'string', describe: 'grouping label (default: the directory name)' })
          .option('shared-network', { type: 'string', array: true, describe: 'join this existing network (repeatable, or a comma list)' })
          .options(json),
      (a) => {
        chosen = async (c, o) => (await import('./commands/create.js')).run({ name: a.name, from: a.from, project: a.project, sharedNetworks: list(a['shared-network']), json: a.json }, c, o);
      },
    )
    .command(
      'up <name>',
      'start the environment (docker compose up -d); compose args go after --',
      (y) =>
        y
          .positional('name', { type: 'string', demandOption: true })
          .option('create-shared', { type: 'boolean', default: false, describe: 'publish the network cilo-shared-<name>' })
          .options(json),
      (a) => {
        chosen = async (c, o) => (await import('./commands/up.js')).run({ name: a.name, createShared: a['create-shared'], composeArgs: forwarded, json: a.json }, c, o);
      },
    )
    .command(
      'down <name>',
      'stop the environment; keeps its networks, addresses and references',
      (y) => y.positional('name', { type: 'string', demandOption: true }).options(json),
      (a) => {
        chosen = async (c, o) => (await import('./commands/down.js')).run({ name: a.name, json: a.json }, c, o);
      },
    )
    .command(
      'destroy <name>',
      'remove containers, volumes, networks, DNS records and state',
      (y) =>
        y
          .positional('name', { type: 'string', demandOption: true })
          .option('force', { type: 'boolean', default: false, describe: 'even if others use its shared network' })
          .options(json),
      (a) => {
        chosen = async (c, o) => (await import('./commands/destroy.js')).run({ name: a.name, force: a.force, json: a.json }, c, o);
      },
    )
    .command(
      ['list', 'ls'],
      'list environments',
      (y) => y.options(json),
      (a) => {
        chosen = async (c, o) => (await import('./commands/list.js')).run({ json: a.json }, c, o);
      },
    )
    .command(
      'status <name>',
      'services, addresses, DNS names and shared networks of an environment',
      (y) => y.positional('name', { type: 'string', demandOption: true }).options(json),
      (a) => {
        chosen = async (c, o) => (await import('./commands/status.js')).run({ name: a.name, json: a.json }, c, o);
      },
    )
    .command('shared', 'shared networks: list, inspect', (y) =>
      y
        .command(
          ['list', 'ls'],
          'shared networks, their creator and references',
          (yy) => yy.options(json),
          (a) => {
            chosen = async (c, o) => (await import('./commands/shared.js')).list({ json: a.json }, c, o);
          },
        )
        .command(
          'inspect <network>',
          'one shared network in detail',
          (yy) => yy.positional('network', { type: 'string', demandOption: true }).options(json),
          (a) => {
            chosen = async (c, o) => (await import('./commands/shared.js')).inspect({ network: a.network, json: a.json }, c, o);
          },
        )
        .demandCommand(1, 'name a subcommand: list or inspect'),
    )
    .command('dns', "the DNS server for <service>.<env>.<suffix> names on the host", (y) =>
      y
        .command('start', 'start cilo\'s dnsmasq (harmless if running)', (yy) => yy.options(json), (a) => {
          chosen = async (c, o) => (await import('./commands/dns.js')).start({ json: a.json }, c, o);
        })
        .command('stop', "stop cilo's dnsmasq", (yy) => yy, () => {
          chosen = async (c, o) => (await import('./commands/dns.js')).stop(c, o);
        })
        .command('status', 'is it running, answering, on which port, how many records', (yy) => yy.options(json), (a) => {
          chosen = async (c, o) => (await import('./commands/dns.js')).status({ json: a.json }, c, o);
        })
        .command('render', 'print the records cilo serves (hosts format)', (yy) => yy, () => {
          chosen = async (c, o) => (await import('./commands/dns.js')).render(c, o);
        })
        .command(
          'setup',
          'route the suffixes to cilo\'s dnsmasq in the host resolver (needs root unless --print)',
          (yy) =>
            yy
              .option('print', { type: 'boolean', default: false, describe: 'print what would be written, write nothing' })
              .option('for', { type: 'string', choices: ['systemd-resolved', 'macos', 'manual'], describe: 'resolver to configure (default: detected)' }),
          (a) => {
            chosen = async (c, o) => (await import('./commands/dns.js')).setup({ print: a.print, for: a.for }, c, o);
          },
        )
        .demandCommand(1, 'name a subcommand: start, stop, status, render or setup'),
    )
    .command(
      'doctor',
      'compare state with Docker: orphans, missing networks, stale references, DNS',
      (y) => y.option('fix', { type: 'boolean', default: false, describe: 'repair what it finds (never deletes what cilo did not create)' }).options(json),
      (a) => {
        chosen = async (c, o) => (await import('./commands/doctor.js')).run({ fix: a.fix, json: a.json }, c, o);
      },
    )
    .demandCommand(1, 'name a command')
    .strict()
    .help()
    .alias('h', 'help')
    .version(packageVersion())
    .wrap(Math.min(110, process.stdout.columns ?? 100))
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
  if (chosen) await chosen(ctx, out);
  else if (forwarded.length > 0) throw new UsageError('arguments after -- are only for `cilo up`');
}
