// lib/core/steps/privileged.ts: the writes that need root go through sudo (or straight, as root), and a refusal
// or `sudo cilo …` is a user error that says what to run.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { asRoot, refuseUnderSudo } from '../../../lib/core/steps/privileged.ts';
import type { ExecResult, ProcessRunner } from '../../../lib/docker/process.ts';
import { UserError } from '../../../lib/errors/index.ts';
import { fakeContext } from '../../fakes.ts';
import { tempDir } from '../../helpers.ts';

/** A runner whose terminal runs are recorded; `sudo` is dropped and the rest really runs (in a temp dir). */
function recording(code = 0) {
  const calls: { argv: string[]; input?: string }[] = [];
  const runner: ProcessRunner = {
    run: async () => assert.fail('no captured run expected'),
    pipe: async () => assert.fail('no pipe expected'),
    async exec(cmd, args, opts): Promise<ExecResult> {
      const argv = [cmd, ...args.map(String)];
      calls.push({ argv, ...(opts?.input !== undefined && { input: String(opts.input) }) });
      if (code !== 0) return { code, signal: null };
      const [bin, ...rest] = argv[0] === 'sudo' ? argv.slice(1) : argv;
      execFileSync(bin!, rest, { input: opts?.input });
      return { code: 0, signal: null };
    },
  };
  return { runner, calls };
}

const as = (t: TestContext, runner: ProcessRunner, uid: number, env: NodeJS.ProcessEnv = {}) => {
  const ctx = fakeContext(t, runner);
  return { ...ctx, host: { ...ctx.host, uid }, processEnv: { ...ctx.processEnv, ...env } };
};

test('as the user: each file is written through sudo, staged and renamed, then the commands run', async (t) => {
  const { runner, calls } = recording();
  const file = join(tempDir(t), 'etc', 'resolver', 'test');
  await asRoot(as(t, runner, 1000), [{ path: file, content: 'nameserver 127.0.0.1\n' }], [['true']]);
  assert.equal(readFileSync(file, 'utf8'), 'nameserver 127.0.0.1\n', 'its directory made too');
  assert.deepEqual(
    calls.map((c) => c.argv.slice(0, 2).map((a) => basename(a))),
    [
      ['sudo', 'sh'],
      ['sudo', 'true'],
    ],
  );
  assert.equal(calls[0]!.input, 'nameserver 127.0.0.1\n', 'the content goes on stdin, never in argv');
});

test('as root: no sudo', async (t) => {
  const { runner, calls } = recording();
  await asRoot(as(t, runner, 0), [{ path: join(tempDir(t), 'f'), content: 'x' }], [['true']]);
  assert.deepEqual(
    calls.map((c) => basename(c.argv[0]!)),
    ['sh', 'true'],
  );
});

test('sudo refuses: a user error naming the write, and nothing else runs', async (t) => {
  const { runner, calls } = recording(1);
  await assert.rejects(
    asRoot(as(t, runner, 1000), [{ path: '/etc/x', content: 'x' }], [['update-ca-certificates']]),
    (e) => {
      assert.ok(e instanceof UserError);
      assert.match(e.message, /^writing \/etc\/x needs root, and sudo did not do it \(exit 1\)$/);
      assert.match(e.hint ?? '', /--print/);
      return true;
    },
  );
  assert.equal(calls.length, 1);
});

test('under sudo, without a CILO_HOME of its own: refused (the home would be root’s)', (t) => {
  const { runner } = recording();
  assert.throws(() => refuseUnderSudo(as(t, runner, 0, { SUDO_USER: 'alice' }), 'cilo dns setup'), /not on alice's/);
  refuseUnderSudo(as(t, runner, 1000, { SUDO_USER: 'alice' }), 'cilo dns setup');
  refuseUnderSudo(as(t, runner, 0, { SUDO_USER: 'alice', CILO_HOME: '/srv/cilo' }), 'cilo dns setup');
  refuseUnderSudo(as(t, runner, 0), 'cilo dns setup');
});
