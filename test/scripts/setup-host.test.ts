// scripts/setup-host.sh brings back a dockerd that died: killed with SIGKILL, it leaves its pid file behind,
// and a new dockerd refuses to start while it is there. This kills the real engine, so it runs only where
// the engine is the test machine's own (CI, as root), or when asked (CILO_TEST_RESTART_DOCKERD=1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { ROOT, requireDocker, waitFor } from '../helpers.ts';

const allowed = process.getuid?.() === 0 && (process.env.CI || process.env.CILO_TEST_RESTART_DOCKERD === '1');

test(
  'a dockerd killed with SIGKILL: setup-host.sh removes its stale pid file and starts a new one',
  { timeout: 90_000 },
  async (t) => {
    if (!allowed)
      return void t.skip('kills the Docker engine: only in CI as root, or with CILO_TEST_RESTART_DOCKERD=1');
    if (!requireDocker(t)) return;
    const pid = Number(readFileSync('/var/run/docker.pid', 'utf8'));
    assert.ok(
      pid > 0 && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('dockerd'),
      'a dockerd runs by its pid file',
    );
    process.kill(pid, 'SIGKILL');
    const gone = () => {
      try {
        return !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('dockerd'); // a zombie's is empty
      } catch {
        return true;
      }
    };
    await waitFor('dockerd to die', gone, 10_000);
    assert.ok(existsSync('/var/run/docker.pid'), 'the stale pid file is left behind');
    const started = Date.now();
    const r = await execa('bash', [join(ROOT, 'scripts', 'setup-host.sh')], {
      reject: false,
      timeout: 60_000,
      all: true,
    });
    assert.equal(r.exitCode, 0, r.all);
    assert.match(String(r.all), /removing the pid file of a dockerd that is gone/);
    assert.ok(Date.now() - started < 20_000, `back within ${Date.now() - started} ms`);
    assert.doesNotThrow(() => execFileSync('docker', ['info'], { stdio: 'ignore' }), 'the engine answers');
  },
);
