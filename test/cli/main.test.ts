// `cilo` as a process (bin/cilo → lib/cli/main.ts): exit codes, error format, --json, bad state files,
// colour. No Docker needed: every command here stops before talking to it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { cilo, ROOT, tempDir, type RunResult } from '../helpers.ts';

const ESC = '\x1b[';
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** A CILO_HOME path (not created) and an environment without colour or cilo settings from the outside. */
function setup(
  t: TestContext,
  extra: Record<string, string> = {},
): { home: string; env: NodeJS.ProcessEnv; cwd: string } {
  const dir = tempDir(t);
  const home = join(dir, 'home');
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env))
    if (k.startsWith('CILO_') || k.startsWith('COMPOSE_') || k === 'NO_COLOR' || k === 'FORCE_COLOR') delete env[k];
  Object.assign(env, { CILO_HOME: home, CILO_DNS: 'off' }, extra);
  return { home, env, cwd: dir };
}

function noStackTrace(r: RunResult): void {
  assert.doesNotMatch(r.stderr, /^\s+at .+:\d+:\d+\)?$/m, `no stack trace in: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /internal error/);
}

/** A minimal valid environment record, as cilo writes it. */
function stateWithEnv(): string {
  return (
    JSON.stringify(
      {
        version: 2,
        subnet_counter: 1,
        hosts: {
          local: {
            environments: {
              'shop/dev': {
                name: 'dev',
                project: 'shop',
                created_at: '2024-01-01T00:00:00.000Z',
                subnet: '10.224.0.0/24',
                status: 'stopped',
                source: '/src/shop',
                services: {
                  web: { name: 'web', dns_name: 'web.dev.test', ip: '10.224.0.3', addresses: [], replicas: 1 },
                  api: { name: 'api', dns_name: 'api.dev.test', ip: '10.224.0.2', addresses: [], replicas: 1 },
                },
                shared_networks: [],
              },
            },
          },
        },
        shared_networks: {},
      },
      null,
      2,
    ) + '\n'
  );
}

function writeState(home: string, text: string): Buffer {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  writeFileSync(join(home, 'state.json'), text, { mode: 0o600 });
  return readFileSync(join(home, 'state.json'));
}

// Each test has its own CILO_HOME and temp dir: they can run side by side (each cilo run is ~0.3 s of CPU).
describe('cilo', { concurrency: 4 }, () => {
  test('cilo --version prints the package version, exit 0', async (t) => {
    const { env, cwd } = setup(t);
    const r = await cilo(['--version'], { env, cwd });
    assert.equal(r.exitCode, 0);
    assert.equal(r.stdout.trim(), VERSION);
  });

  test('cilo --help lists the commands, exit 0', async (t) => {
    const { env, cwd } = setup(t);
    for (const flag of ['--help']) {
      const r = await cilo([flag], { env, cwd });
      assert.equal(r.exitCode, 0, flag);
      assert.match(r.stdout, /Usage: cilo <command>/);
      for (const c of ['create', 'up', 'down', 'destroy', 'list', 'status', 'shared', 'dns'])
        assert.match(r.stdout, new RegExp(`cilo ${c}\\b`), `${flag} mentions ${c}`);
    }
  });

  test('an unknown command: exit 2, `cilo: error:` on stderr with a hint, no stack trace, nothing on stdout', async (t) => {
    const { env, cwd, home } = setup(t);
    const r = await cilo(['frobnicate'], { env, cwd });
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /^cilo: error: .*frobnicate/);
    assert.match(r.stderr, /^hint: /m);
    assert.equal(r.stdout, '');
    noStackTrace(r);
    assert.equal(existsSync(home), false, 'a usage error touches nothing');
  });

  test('no command at all, an unknown option, a missing argument: exit 2', async (t) => {
    const { env, cwd } = setup(t);
    const cases = [[], ['list', '--bogus'], ['create', 'x']];
    const results = await Promise.all(cases.map((args) => cilo(args, { env, cwd })));
    results.forEach((r, i) => {
      assert.equal(r.exitCode, 2, `cilo ${cases[i]!.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^cilo: error: /);
      noStackTrace(r);
    });
  });

  test('cilo status nope: exit 1 with a hint', async (t) => {
    const { env, cwd } = setup(t);
    const r = await cilo(['status', 'nope'], { env, cwd });
    assert.equal(r.exitCode, 1);
    assert.match(r.stderr, /^cilo: error: no environment named nope$/m);
    assert.match(r.stderr, /^hint: .*cilo list.*cilo create nope --from/m);
    noStackTrace(r);
    assert.ok(!r.stderr.includes('\x1b'), 'not a TTY and no FORCE_COLOR: no colour');
  });

  test('a failure under --json or --format json: a JSON error object on stdout, the text on stderr', async (t) => {
    const { env, cwd } = setup(t);
    for (const flags of [['--json'], ['--format', 'json'], ['--format=json']]) {
      const r = await cilo(['status', 'nope', ...flags], { env, cwd });
      assert.equal(r.exitCode, 1, flags.join(' '));
      assert.deepEqual(JSON.parse(r.stdout), {
        error: 'no environment named nope',
        hint: "see 'cilo list', or create it: cilo create nope --from <dir>",
      });
      assert.match(r.stderr, /^cilo: error: no environment named nope$/m);
    }
    const usage = await cilo(['status', 'Bad_Name', '--json'], { env, cwd });
    assert.equal(usage.exitCode, 2);
    assert.match(JSON.parse(usage.stdout).error, /invalid environment name "Bad_Name"/);
    const plain = await cilo(['status', 'nope'], { env, cwd });
    assert.equal(plain.stdout, '', 'without --json nothing goes to stdout');
  });

  test('cilo status with an invalid name: exit 2 with the suggested form', async (t) => {
    const { env, cwd } = setup(t);
    const r = await cilo(['status', 'Bad_Name'], { env, cwd });
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /invalid environment name "Bad_Name"/);
    assert.match(r.stderr, /^hint: use "bad-name" instead$/m);
  });

  test('cilo list --json on an empty home: {"environments": []}, and nothing is created', async (t) => {
    const { env, cwd, home } = setup(t);
    const [r, ls] = await Promise.all([cilo(['list', '--json'], { env, cwd }), cilo(['ls'], { env, cwd })]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { environments: [] });
    assert.equal(existsSync(home), false, 'reading does not create $CILO_HOME');
    assert.equal(ls.exitCode, 0);
    assert.equal(ls.stdout, '', 'the table goes nowhere; the note goes to stderr');
    assert.match(ls.stderr, /no environments/);
  });

  test('cilo list / status show a recorded environment; reading never rewrites state', async (t) => {
    const { env, cwd, home } = setup(t);
    const before = writeState(home, stateWithEnv());
    const [list, table, status] = await Promise.all([
      cilo(['list', '--json'], { env, cwd }),
      cilo(['list'], { env, cwd }),
      cilo(['status', 'dev', '--json'], { env, cwd }),
    ]);
    assert.equal(list.exitCode, 0, list.stderr);
    const views = JSON.parse(list.stdout).environments;
    assert.equal(views.length, 1);
    assert.equal(views[0].key, 'shop/dev');
    assert.equal(views[0].network, 'cilo-dev');
    assert.equal(views[0].dns_suffix, 'test');
    assert.equal(views[0].engine, 'local', 'a state file without engines keeps its environments on the local engine');
    assert.deepEqual(views[0].names_resolve, { in_containers: true, on_host: true });
    assert.match(table.stdout, /^NAME\s+PROJECT\s+ENGINE\s+ACCESS\s+STATUS\s+SUBNET/m);
    assert.match(table.stdout, /^dev\s+shop\s+local\S*\s+routed\s+stopped\s+10\.224\.0\.0\/24\s+2\s/m);
    assert.equal(status.exitCode, 0, status.stderr);
    const v = JSON.parse(status.stdout);
    assert.deepEqual(
      v.services.map((s: { name: string; ip: string }) => [s.name, s.ip]),
      [
        ['api', '10.224.0.2'],
        ['web', '10.224.0.3'],
      ],
    );
    assert.deepEqual(readFileSync(join(home, 'state.json')), before);
  });

  test('--format json is --json, --format table the default, for every data command; another format is a usage error', async (t) => {
    const { env, cwd, home } = setup(t);
    writeState(home, stateWithEnv());
    for (const args of [['list'], ['status', 'dev'], ['shared', 'list'], ['dns', 'status'], ['dns', 'render']]) {
      const [asJson, asFormat, asTable, plain] = await Promise.all([
        cilo([...args, '--json'], { env, cwd }),
        cilo([...args, '--format', 'json'], { env, cwd }),
        cilo([...args, '--format', 'table'], { env, cwd }),
        cilo(args, { env, cwd }),
      ]);
      assert.equal(asJson.exitCode, 0, `${args.join(' ')} --json: ${asJson.stderr}`);
      assert.deepEqual(JSON.parse(asFormat.stdout), JSON.parse(asJson.stdout), `${args.join(' ')} --format json`);
      assert.equal(asTable.stdout, plain.stdout, `${args.join(' ')} --format table`);
    }
    const bad = await cilo(['list', '--format', 'yaml'], { env, cwd });
    assert.equal(bad.exitCode, 2);
    assert.match(bad.stderr, /Invalid values:[\s\S]*format/);
  });

  for (const [what, text, re] of [
    ['corrupt', '{"version": 2, "hosts": {', /is not valid JSON/],
    [
      'future-version',
      JSON.stringify({ version: 3, subnet_counter: 0, hosts: { local: { environments: {} } }, shared_networks: {} }) +
        '\n',
      /has version 3, newer than this cilo supports/,
    ],
  ] as const) {
    test(`a ${what} state.json: cilo list fails with exit 1 naming the file; the bytes on disk are unchanged`, async (t) => {
      const { env, cwd, home } = setup(t);
      const before = writeState(home, text);
      const file = join(home, 'state.json');
      mkdirSync(join(cwd, 'proj'));
      writeFileSync(join(cwd, 'proj', 'compose.yaml'), 'services:\n  web:\n    image: busybox\n');
      // readers and a writer (`create` takes the state lock) side by side
      const cases = [['list'], ['list', '--json'], ['create', 'ok', '--from', 'proj']];
      const results = await Promise.all(cases.map((args) => cilo(args, { env, cwd })));
      results.forEach((r, i) => {
        const args = cases[i]!;
        assert.equal(r.exitCode, 1, `cilo ${args.join(' ')}: ${r.stderr}`);
        assert.ok(r.stderr.startsWith(`cilo: error: state file ${file} `), `names the file: ${r.stderr}`);
        assert.match(r.stderr, re);
        assert.match(r.stderr, /^hint: /m);
        if (args.includes('--json')) assert.match(JSON.parse(r.stdout).error, re, 'asked for JSON: the error as JSON');
        else assert.equal(r.stdout, '');
        noStackTrace(r);
      });
      assert.deepEqual(readFileSync(file), before, 'the state file is untouched');
      // cache/ holds answers keyed by the bytes they came from (lib/state/cache.ts), never state.
      assert.deepEqual(
        readdirSync(home)
          .filter((f) => f !== 'state.lock' && f !== 'cache')
          .sort(),
        ['state.json'],
        'no temp files, no new files',
      );
    });
  }

  test('cilo create BadName --from x: exit 2 with the suggested name, before looking at x', async (t) => {
    const { env, cwd, home } = setup(t);
    const [r, project] = await Promise.all([
      cilo(['create', 'BadName', '--from', 'x'], { env, cwd }),
      cilo(['create', 'ok', '--from', 'x', '--project', 'My Shop'], { env, cwd }),
    ]);
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /^cilo: error: invalid environment name "BadName"/);
    assert.match(r.stderr, /^hint: use "badname" instead$/m);
    noStackTrace(r);
    assert.equal(existsSync(home), false);
    assert.equal(project.exitCode, 2);
    assert.match(project.stderr, /invalid project name "My Shop"/);
  });

  test('CILO_DEBUG=1 adds the stack to a user error', async (t) => {
    const { env, cwd } = setup(t, { CILO_DEBUG: '1' });
    const r = await cilo(['status', 'nope'], { env, cwd });
    assert.equal(r.exitCode, 1);
    assert.match(r.stderr, /^\s+at /m);
  });

  test('colour: FORCE_COLOR paints (the control); NO_COLOR wins over it', async (t) => {
    const run = async (extra: Record<string, string>) => {
      const { env, cwd, home } = setup(t, extra);
      writeState(home, stateWithEnv());
      const [list, err] = await Promise.all([
        cilo(['list'], { env, cwd }), // stdout: a table with a bold header
        cilo(['status', 'nope'], { env, cwd }), // stderr: a red `error:`
      ]);
      assert.equal(list.exitCode, 0, list.stderr);
      assert.equal(err.exitCode, 1);
      return { stdout: list.stdout, stderr: err.stderr };
    };
    const [forced, noColor] = await Promise.all([run({ FORCE_COLOR: '1' }), run({ FORCE_COLOR: '1', NO_COLOR: '1' })]);
    assert.ok(forced.stdout.includes(ESC), 'FORCE_COLOR=1 colours stdout');
    assert.ok(forced.stderr.includes(ESC), 'FORCE_COLOR=1 colours stderr');
    assert.ok(
      !noColor.stdout.includes('\x1b'),
      `NO_COLOR: no escape codes on stdout: ${JSON.stringify(noColor.stdout)}`,
    );
    assert.ok(
      !noColor.stderr.includes('\x1b'),
      `NO_COLOR: no escape codes on stderr: ${JSON.stringify(noColor.stderr)}`,
    );
    assert.match(noColor.stderr, /^cilo: error: no environment named nope$/m);
    assert.equal(
      noColor.stdout.replace(/\s+/g, ' '),
      forced.stdout.replace(/\x1b\[\d+m/g, '').replace(/\s+/g, ' '),
      'the same text, unpainted',
    );
  });

  test('colour: an empty NO_COLOR does not disable colour (no-color.org; colorEnabled in lib/cli/output.ts says so)', async (t) => {
    const { env, cwd } = setup(t, { FORCE_COLOR: '1', NO_COLOR: '' });
    const r = await cilo(['status', 'nope'], { env, cwd });
    assert.equal(r.exitCode, 1);
    assert.ok(r.stderr.includes(ESC), `coloured: ${JSON.stringify(r.stderr)}`);
  });
});
