// cilo-compose as a stand-in for `docker compose`: argv, stdin, exit codes and signals, checked with a fake
// `docker` first on PATH (the only place where Docker is mocked). Both routes a command line can take run
// for real: the shell front exec'ing `docker compose` itself, and the Node shim (which the front hands a
// command line over to when it is not sure: here COMPOSE_PATH_SEPARATOR=":" sends it there, changing
// nothing else) spawning it.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { BIN_SHIM, fakeDocker, tempDir, waitFor } from '../helpers.ts';

interface Setup {
  /** A directory with no compose file anywhere above it that matters: every command is a passthrough. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  log: string;
}

function setup(t: TestContext, extra: NodeJS.ProcessEnv = {}): Setup {
  const root = tempDir(t);
  const cwd = join(root, 'work');
  mkdirSync(cwd);
  const log = join(root, 'argv.log');
  const env: NodeJS.ProcessEnv = {
    PATH: `${fakeDocker(t)}:${process.env.PATH}`,
    HOME: root,
    CILO_HOME: join(root, 'home'),
    NO_COLOR: '1',
    FAKE_DOCKER_LOG: log,
    ...extra,
  };
  return { cwd, env, log };
}

const ROUTES = { front: {}, shim: { COMPOSE_PATH_SEPARATOR: ':' } } as const;

/** Starts the real cilo-compose (dist/cilo-compose) without waiting for it. */
function startShim(s: Setup, args: string[], extra: NodeJS.ProcessEnv = {}) {
  return execa(BIN_SHIM, args, {
    cwd: s.cwd,
    env: { ...s.env, ...extra },
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    timeout: 60_000,
  });
}

const loggedCalls = (log: string): string[][] =>
  existsSync(log)
    ? readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as string[])
    : [];

for (const [route, routeEnv] of Object.entries(ROUTES)) {
  test(`${route}: passes argv to docker compose unchanged for a project that is not cilo's`, async (t) => {
    const s = setup(t, routeEnv);
    // A plain compose project (no x-cilo) in the working directory.
    writeFileSync(join(s.cwd, 'compose.yaml'), 'services:\n  app:\n    image: cilo-fixture:busybox\n');
    const cases: string[][] = [
      ['ps'],
      ['config', '--services'],
      ['-p', 'x', 'config'],
      ['--project-name=x', '-f', 'compose.yaml', 'up', '-d'],
      ['run', '--rm', 'app', '--', 'sh', '-c', '', '1.50', '--', '-p', 'y'],
      ['exec', 'app', 'echo', 'a b', "it's", '"q"', '$HOME', '*', 'ünï', '\t'],
      ['--profile', '*', 'up', '--scale', 'app=0', '--no-deps'],
      ['--unknown-global', 'config'],
      ['-f', '-', 'config'],
      ['--', 'config'],
      [],
    ];
    for (const args of cases) {
      const r = await startShim(s, args);
      assert.equal(r.exitCode, 0, `cilo-compose ${JSON.stringify(args)}: ${r.stderr}`);
      assert.deepEqual(
        JSON.parse(String(r.stdout)),
        ['compose', ...args],
        `argv of cilo-compose ${JSON.stringify(args)}`,
      );
      assert.equal(String(r.stderr), '', `nothing on stderr for ${JSON.stringify(args)}`);
    }
    // Exactly one docker call per command: no `docker compose config` or version probe on the passthrough path.
    assert.equal(loggedCalls(s.log).length, cases.length);
  });

  test(`${route}: argument bytes that are not UTF-8, newlines, empty ones; stdin`, async (t) => {
    const s = setup(t, routeEnv);
    // A docker that records its argv as bytes and copies its stdin: no decoding on the way.
    const bin = tempDir(t, 'cilo-raw-docker-');
    const out = join(bin, 'argv');
    writeFileSync(join(bin, 'docker'), `#!/bin/sh\nfor a in "$@"; do printf '%s\\0' "$a"; done > '${out}'\ncat\n`, {
      mode: 0o755,
    });
    // Node cannot hand a child bytes that are not UTF-8 either: a shell builds the command line.
    const script = `exec "$0" config "$(printf 'bad\\377\\376')" "$(printf 'line\\nbreak')" '' -- 'ünï'`;
    const r = await execa('sh', ['-c', script, BIN_SHIM], {
      cwd: s.cwd,
      env: { ...s.env, PATH: `${bin}:${s.env.PATH}` },
      extendEnv: false,
      reject: false,
      input: 'on stdin\n',
      stripFinalNewline: false,
    });
    assert.equal(r.exitCode, 0, String(r.stderr));
    const bytes = (...parts: (string | number[])[]) =>
      Buffer.concat(
        parts.map((p) => Buffer.concat([typeof p === 'string' ? Buffer.from(p) : Buffer.from(p), Buffer.from([0])])),
      );
    const expected = bytes('compose', 'config', [0x62, 0x61, 0x64, 0xff, 0xfe], 'line\nbreak', '', '--', 'ünï');
    assert.deepEqual(readFileSync(out), expected, 'argv reached docker byte for byte');
    assert.equal(String(r.stdout), 'on stdin\n', 'stdin reached docker');
  });

  test(`${route}: exits with the child's exit code`, async (t) => {
    const s = setup(t, { ...routeEnv, FAKE_DOCKER_MODE: 'exit' });
    for (const code of [0, 1, 3, 17, 125, 255]) {
      const r = await startShim(s, ['up', '-d'], { FAKE_DOCKER_EXIT: String(code) });
      assert.equal(r.signal, undefined, `exit ${code}: not signalled`);
      assert.equal(r.exitCode, code, `child exit ${code}: ${r.stderr}`);
    }
  });

  test(`${route}: dies from the same signal as the child`, async (t) => {
    const s = setup(t, { ...routeEnv, FAKE_DOCKER_MODE: 'selfkill' });
    for (const sig of ['SIGTERM', 'SIGKILL', 'SIGHUP', 'SIGINT'] as const) {
      const r = await startShim(s, ['logs', '-f'], { FAKE_DOCKER_SIGNAL: sig });
      assert.equal(
        r.signal,
        sig,
        `child killed by ${sig}: shim exit ${r.exitCode} signal ${r.signal} stderr ${r.stderr}`,
      );
      assert.equal(r.exitCode, undefined);
    }
  });
}

/**
 * The Node shim (the front has nothing of its own to forward: it is the child) running a fake `docker`
 * that waits; resolves once the child is up.
 */
async function startWaiting(t: TestContext) {
  const s = setup(t, { ...ROUTES.shim, FAKE_DOCKER_MODE: 'wait' });
  const dir = tempDir(t, 'cilo-fake-wait-');
  const child = startShim(s, ['up'], { FAKE_DOCKER_DIR: dir });
  let fakePid = 0;
  // Registered after tempDir's removal hook, so it runs after it: must not need the directory.
  t.after(() => {
    for (const kill of [() => child.kill('SIGKILL'), () => fakePid && process.kill(fakePid, 'SIGKILL')])
      try {
        kill();
      } catch {
        // already gone
      }
  });
  await waitFor('the fake docker to start', () => existsSync(join(dir, 'ready')) || child.exitCode !== null);
  assert.equal(child.exitCode, null, 'the shim is still running');
  fakePid = Number(readFileSync(join(dir, 'ready'), 'utf8'));
  return { child, dir };
}

test('forwards SIGTERM sent to the shim to the child, then exits with its code', async (t) => {
  const { child, dir } = await startWaiting(t);
  assert.ok(child.kill('SIGTERM'));
  const r = await child;
  assert.ok(existsSync(join(dir, 'got-SIGTERM')), 'the child received SIGTERM');
  assert.equal(r.signal, undefined, `the shim exits normally (got signal ${r.signal})`);
  assert.equal(r.exitCode, 143, "the child's exit code (it exited 143 on SIGTERM)");
});

for (const sig of ['SIGINT', 'SIGHUP', 'SIGQUIT'] as const) {
  test(`does not forward ${sig} sent to the shim alone, and keeps waiting for the child`, async (t) => {
    const { child, dir } = await startWaiting(t);
    assert.ok(child.kill(sig));
    // No waiting to see whether something happens: a SIGTERM sent after it is handled after it (Node runs
    // signal handlers in the order the signals arrive), and is forwarded; so a wrongly forwarded ${sig}
    // would reach the child first, and a shim that died of it could not forward the SIGTERM.
    assert.ok(child.kill('SIGTERM'));
    const r = await child;
    assert.equal(r.signal, undefined, `the shim survived ${sig}`);
    assert.equal(r.exitCode, 143, "the child's exit code after the SIGTERM is passed on");
    assert.ok(existsSync(join(dir, 'got-SIGTERM')), 'the child received the SIGTERM sent after it');
    assert.ok(!existsSync(join(dir, `got-${sig}`)), `the child did not receive ${sig}`);
  });
}

test('a missing docker is a clear error, exit 1', async (t) => {
  const root = tempDir(t);
  const emptyBin = join(root, 'bin');
  mkdirSync(emptyBin);
  // Everything the front and the shim use but docker.
  for (const tool of ['grep', 'readlink', 'mktemp', 'cat', 'rm', 'node'])
    symlinkSync(execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), join(emptyBin, tool));
  const env = { PATH: emptyBin, HOME: root, CILO_HOME: join(root, 'home'), NO_COLOR: '1' };
  // Passthrough (no compose file) and a cilo project (x-cilo) both need docker.
  const managed = join(root, 'managed');
  mkdirSync(managed);
  writeFileSync(
    join(managed, 'compose.yaml'),
    'x-cilo:\n  project: p\nservices:\n  app:\n    image: cilo-fixture:busybox\n',
  );
  for (const cwd of [root, managed]) {
    const r = await execa(BIN_SHIM, ['up', '-d'], { cwd, env, extendEnv: false, reject: false, stdin: 'ignore' });
    assert.equal(r.exitCode, 1, `in ${cwd}: ${r.stderr}`);
    assert.match(String(r.stderr), /^cilo: error: 'docker' was not found on PATH\n/, `in ${cwd}`);
    assert.match(String(r.stderr), /\nhint: /);
    assert.doesNotMatch(String(r.stderr), /internal error|\n\s+at /, 'no stack trace');
    assert.equal(String(r.stdout), '');
  }
});
