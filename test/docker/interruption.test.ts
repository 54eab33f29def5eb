// lib/docker/interruption.ts: a signal stops the work and lets the undo run. The module's state is the
// process's, so the tests below run in order: before the signal, the signal, after it. The signals are
// emitted to this process's listeners (process.emit), never sent to the test runner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkInterrupted,
  guardSignals,
  ignoredAtStart,
  inForeground,
  InterruptedError,
  interruption,
  signalsOf,
  stoppedBy,
  undoing,
} from '../../lib/docker/interruption.ts';
import { processRunner } from '../../lib/docker/process.ts';
import { UserError } from '../../lib/errors/index.ts';
import { ROOT, tempDir } from '../helpers.ts';

const env = { PATH: process.env.PATH };
const said: string[] = [];
const exits: number[] = [];

test('signalsOf: the bits of a SigIgn mask', () => {
  assert.deepEqual(signalsOf('0000000000000001'), [1]);
  assert.deepEqual(signalsOf('0000000000001006'), [2, 3, 13]);
  assert.deepEqual(signalsOf('0'), []);
});

test('ignoredAtStart: the mask bin/cilo read before Node reset it (a nohup’d SIGHUP)', (t) => {
  assert.deepEqual(ignoredAtStart({ __CILO_SIGIGN: '0000000000000001' }), [1]);
  assert.deepEqual(ignoredAtStart({ __CILO_SIGIGN: '1; rm -rf /' }), [], 'only a mask');
  assert.deepEqual(ignoredAtStart({}), []);
  // bin/cilo, with a `node` that prints what it was given.
  const dir = tempDir(t);
  writeFileSync(join(dir, 'node'), '#!/bin/sh\necho "${__CILO_SIGIGN:-none}"\n', { mode: 0o755 });
  const run = (trap: string) =>
    spawnSync('sh', ['-c', `${trap} exec "$0"`, join(ROOT, 'bin', 'cilo')], {
      encoding: 'utf8',
      env: { PATH: `${dir}:${process.env.PATH}` },
    }).stdout.trim();
  assert.ok(signalsOf(run("trap '' HUP;")).includes(1), 'SIGHUP ignored by the shell that started it');
  assert.equal(run(''), 'none');
});

test('before a signal: nothing is refused and nothing is stopped', async () => {
  checkInterrupted();
  assert.equal(interruption(), undefined);
  const err = new UserError('x');
  assert.equal(stoppedBy(err), err);
});

test('a signal while Compose runs in the foreground is Compose’s, not an interruption of cilo’s work', async () => {
  guardSignals((s) => said.push(s), ((code: number) => exits.push(code)) as (code: number) => never, [1]);
  process.emit('SIGHUP');
  assert.equal(interruption(), undefined, 'a signal ignored at start stays ignored');
  await inForeground(async () => void process.emit('SIGINT'));
  assert.equal(interruption(), undefined);
  checkInterrupted();
});

test('the first signal stops the running work; the next step is refused, the undo runs, a second one exits', async () => {
  const step = processRunner.run('sh', ['-c', 'sleep 0.3; echo ended'], { env });
  const logs = processRunner.run('sleep', ['30'], { env, stoppable: true });
  const copy = processRunner.pipe({ cmd: 'sleep', args: ['30'] }, { cmd: 'cat', args: [] }, { env });
  await new Promise((r) => setTimeout(r, 100)); // spawned; the signal may come at any time anyway
  process.emit('SIGTERM');
  const stopped = await copy;
  assert.equal(stopped.from.signal, 'SIGTERM', 'a copy that streams is stopped');
  assert.equal((await step).stdout, 'ended\n', 'a step under way ends');
  assert.equal((await logs).signal, 'SIGTERM', 'a stoppable run (logs of a service) is stopped');
  assert.equal(interruption(), 'SIGTERM');
  assert.match(said.join(''), /SIGTERM: stopping and undoing/);

  await assert.rejects(processRunner.run('true', [], { env }), (e: unknown) => {
    assert.ok(e instanceof InterruptedError);
    assert.equal(e.exitCode, 143, '128 + SIGTERM, as a shell reports it');
    return true;
  });
  assert.throws(() => checkInterrupted(), InterruptedError);
  const undone = await undoing(async () => (await processRunner.run('echo', ['undone'], { env })).stdout);
  assert.equal(undone, 'undone\n', 'the undo still runs its processes');
  const cut = stoppedBy(new UserError('docker cp failed'));
  assert.ok(cut instanceof InterruptedError && cut.message === 'interrupted by SIGTERM');

  assert.deepEqual(exits, []);
  process.emit('SIGINT');
  assert.deepEqual(exits, [130], 'a second signal ends cilo at once');
  assert.match(said.join(''), /again: stopping now; 'cilo doctor --fix'/);
});
