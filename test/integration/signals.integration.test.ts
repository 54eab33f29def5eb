// Ctrl-C and SIGTERM at random points of the commands that change things (docs/DESIGN.md §13, "Signals"), on
// the real engine: the source of a fork runs again, no helper stays, a half-made record is undone, and
// `cilo doctor` finds nothing to repair — without --fix. The delays are random within the length of an
// uninterrupted run; every assertion names the delay and the signal, to replay a failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { homeId } from '../../lib/state/paths.ts';
import { findEnvByName } from '../../lib/state/schema.ts';
import { readState } from '../../lib/state/store.ts';
import {
  BIN_CILO,
  BIN_SHIM,
  FIXTURES,
  cilo,
  ciloCompose,
  ciloEnv,
  containerOf,
  docker,
  dockerLines,
  requireDocker,
  tempDir,
  uniqueName,
  type CiloEnv,
} from '../helpers.ts';

const DATA = join(FIXTURES, 'data');
const TINY = join(FIXTURES, 'tiny');

interface Stopped {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** What was sent, and when: in every assertion's message. */
  what: string;
}

/**
 * Runs a cilo program and, after `afterMs`, sends `signal` as a terminal would for Ctrl-C (SIGINT to its whole
 * process group: the docker commands it runs get it too) or as `kill` does (SIGTERM to cilo alone).
 */
function interrupt(ce: CiloEnv, bin: string, args: string[], signal: 'SIGINT' | 'SIGTERM', afterMs: number) {
  const what = `${signal} after ${afterMs} ms to ${bin.split('/').pop()} ${args.join(' ')}`;
  return new Promise<Stopped>((resolve, reject) => {
    const child = spawn(bin, args, { env: ce.env, cwd: TINY, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => {
      try {
        process.kill(signal === 'SIGINT' ? -child.pid! : child.pid!, signal);
      } catch {
        // it had finished
      }
    }, afterMs);
    const bound = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('error', reject);
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      clearTimeout(bound);
      resolve({ code, signal: sig, stderr, what });
    });
  });
}

async function timed(ce: CiloEnv, args: string[]): Promise<number> {
  const started = Date.now();
  const r = await cilo(args, { env: ce.env });
  assert.equal(r.exitCode, 0, `cilo ${args.join(' ')}: ${r.stderr}`);
  return Date.now() - started;
}

/** It finished (0), or said it was interrupted and exited 128+N; one that died before cilo began did nothing. */
function assertEnded(r: Stopped): 'finished' | 'interrupted' {
  if (r.code === 0) return 'finished';
  if (r.signal !== null) return 'interrupted'; // before cilo's handlers were in place: nothing was begun
  assert.ok(r.code === 130 || r.code === 143, `${r.what}: exit ${r.code}: ${r.stderr}`);
  assert.match(r.stderr, /interrupted by SIG(INT|TERM)/, r.what);
  assert.doesNotMatch(r.stderr, /internal error/, r.what);
  return 'interrupted';
}

async function assertDoctorClean(ce: CiloEnv, what: string): Promise<void> {
  const r = await cilo(['doctor', '--json'], { env: ce.env });
  assert.equal(r.exitCode, 0, `${what}: doctor found drift: ${r.stdout}${r.stderr}`);
}

const known = (ce: CiloEnv, name: string) => findEnvByName(readState(ce.home), name)?.[1];
const random = (ms: number) => Math.round(Math.random() * ms);
const signalOf = (i: number) => (i % 2 === 0 ? 'SIGINT' : 'SIGTERM');

test('signals at random points of fork and destroy: the source runs, no helper or half fork stays, doctor is clean', async (t) => {
  if (!requireDocker(t)) return;
  const ce = await ciloEnv(t, { CILO_DNS: 'off' });
  const src = uniqueName('sigsrc');
  assert.equal((await cilo(['create', src, '--from', DATA], { env: ce.env })).exitCode, 0);
  assert.equal((await cilo(['up', src], { env: ce.env })).exitCode, 0);
  docker([
    'exec',
    containerOf(src, 'store'),
    'sh',
    '-c',
    'dd if=/dev/urandom of=/data/blob bs=1M count=40 2>/dev/null',
  ]);
  const probe = uniqueName('sigprobe');
  const forkMs = await timed(ce, ['fork', src, probe]);
  const destroyMs = await timed(ce, ['destroy', probe]);
  const helpers = () =>
    dockerLines(['ps', '-aq', '--filter', 'label=cilo.fork-helper', '--filter', `label=cilo.home=${homeId(ce.home)}`]);

  const outcomes: string[] = [];
  for (let i = 0; i < 8; i++) {
    const fork = uniqueName(`sigf${i}`);
    const r = await interrupt(ce, BIN_CILO, ['fork', src, fork], signalOf(i), random(forkMs * 1.2));
    const ended = assertEnded(r);
    outcomes.push(ended);
    const status = dockerLines(['inspect', '--format', '{{.State.Status}}', containerOf(src, 'store')]).join();
    assert.equal(status, 'running', `${r.what}: the source runs again`);
    assert.deepEqual(helpers(), [], `${r.what}: no helper container is left`);
    if (ended === 'interrupted') {
      assert.equal(known(ce, fork), undefined, `${r.what}: no half fork in state (its stderr: ${r.stderr})`);
      assert.deepEqual(dockerLines(['volume', 'ls', '-q', '--filter', `label=cilo.env=${fork}`]), [], r.what);
    }
    await assertDoctorClean(ce, r.what);
    if (!known(ce, fork)) continue;

    const d = await interrupt(ce, BIN_CILO, ['destroy', fork], signalOf(i + 1), random(destroyMs * 1.2));
    if (assertEnded(d) === 'interrupted' && known(ce, fork)) {
      assert.match(d.stderr + String(d.signal), /again to finish|null|SIG/, d.what);
      const again = await cilo(['destroy', fork], { env: ce.env });
      assert.equal(again.exitCode, 0, `${d.what}, then destroy again: ${again.stderr}`);
    }
    assert.equal(known(ce, fork), undefined, d.what);
    assert.deepEqual(dockerLines(['ps', '-aq', '--filter', `label=cilo.env=${fork}`]), [], `${d.what}: nothing left`);
    await assertDoctorClean(ce, d.what);
  }
  t.diagnostic(`forks: ${outcomes.join(' ')}`);
  // Delays are spread over 1.2 times a whole fork: all eight landing after its end is a one in 400 000 chance.
  assert.ok(outcomes.includes('interrupted'), 'at least one fork was interrupted');
});

test('signals at random points of a first cilo-compose up and of create --worktree: a half registration is undone', async (t) => {
  if (!requireDocker(t)) return;
  const ce = await ciloEnv(t, { CILO_DNS: 'off' });
  const probeUp = uniqueName('sigup');
  const started = Date.now();
  const upOk = await ciloCompose(['-p', probeUp, 'up', '-d'], { env: ce.env, cwd: TINY });
  assert.equal(upOk.exitCode, 0, upOk.stderr);
  const fullUp = Date.now() - started;
  assert.equal((await cilo(['destroy', probeUp], { env: ce.env })).exitCode, 0);

  const outcomes: string[] = [];
  for (let i = 0; i < 4; i++) {
    const name = uniqueName(`sigu${i}`);
    const r = await interrupt(ce, BIN_SHIM, ['-p', name, 'up', '-d'], signalOf(i), random(fullUp * 0.7));
    const record = known(ce, name);
    if (record === undefined) {
      // Stopped before Compose ran: the registration was undone, with the networks it made.
      assert.deepEqual(dockerLines(['network', 'ls', '-q', '--filter', `label=cilo.env=${name}`]), [], r.what);
      assert.deepEqual(dockerLines(['ps', '-aq', '--filter', `label=com.docker.compose.project=${name}`]), [], r.what);
    } else {
      // Compose ran and was stopped: what it made stays known, and destroy removes it. (The engine may
      // still start a container a moment after Compose ended, as after any Ctrl-C of docker compose.)
      const gone = await cilo(['destroy', name], { env: ce.env });
      assert.equal(gone.exitCode, 0, `${r.what}, then destroy: ${gone.stderr}`);
      assert.deepEqual(dockerLines(['ps', '-aq', '--filter', `label=com.docker.compose.project=${name}`]), [], r.what);
    }
    outcomes.push(record ? 'kept' : 'undone');
    await assertDoctorClean(ce, r.what);
  }
  t.diagnostic(`first ups: ${outcomes.join(' ')}`);
  outcomes.length = 0;

  const repo = join(tempDir(t), 'shop');
  mkdirSync(repo);
  cpSync(join(TINY, 'compose.yaml'), join(repo, 'compose.yaml'));
  const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8' });
  git('init', '-q', '-b', 'main');
  git('-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-q', '--allow-empty', '-m', 'init');
  git('add', '.');
  git('-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'compose');
  const probe = uniqueName('sigwp');
  const createMs = await timed(ce, ['create', probe, '--worktree', `b-${probe}`, '--from', repo]);
  for (let i = 0; i < 4; i++) {
    const name = uniqueName(`sigw${i}`);
    const r = await interrupt(
      ce,
      BIN_CILO,
      ['create', name, '--worktree', `b-${name}`, '--from', repo],
      signalOf(i),
      random(createMs),
    );
    const ended = assertEnded(r);
    const worktree = join(ce.home, 'worktrees', name);
    if (ended === 'interrupted' && !known(ce, name))
      assert.equal(existsSync(join(worktree, 'shop', 'compose.yaml')), false, `${r.what}: the worktree went with it`);
    if (known(ce, name))
      assert.ok(existsSync(join(worktree, 'shop', 'compose.yaml')), `${r.what}: record and worktree`);
    await assertDoctorClean(ce, r.what);
    outcomes.push(ended);
  }
  t.diagnostic(`create --worktree: ${outcomes.join(' ')}`);
});
