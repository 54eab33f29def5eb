// lib/cli/shell.ts: the shell code of `cilo shell-init` and `cilo completion`, checked for what each shell
// must get (running it in real bash, zsh and fish: test/integration/shell.integration.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { completionScript, parseShell, shellInit, SHELLS } from '../../lib/cli/shell.ts';
import { UsageError } from '../../lib/errors/index.ts';

const bins = { cilo: "/opt/it's/bin/cilo", ciloCompose: "/opt/it's/bin/cilo-compose" };

test('parseShell', () => {
  assert.deepEqual(SHELLS.map(parseShell), ['bash', 'zsh', 'fish']);
  assert.throws(
    () => parseShell('tcsh'),
    (e: unknown) => e instanceof UsageError && /unknown shell "tcsh"/.test(e.message),
  );
});

test('shell-init: docker compose and docker-compose through cilo-compose by its absolute path, quoted', () => {
  for (const shell of SHELLS) {
    const text = shellInit(shell, bins);
    assert.ok(text.includes(`'/opt/it'\\''s/bin/cilo-compose'`), `${shell} quotes the path`);
    assert.match(text, /command docker/, `${shell}: other docker commands go to docker itself`);
    assert.match(text, /docker-compose/);
  }
});

test('each script parses in its shell', (t) => {
  for (const shell of SHELLS) {
    try {
      execFileSync('sh', ['-c', `command -v ${shell}`], { stdio: 'ignore' });
    } catch {
      t.diagnostic(`${shell} is not installed here (scripts/setup-host.sh installs it)`);
      continue;
    }
    for (const text of [shellInit(shell, bins), completionScript(shell, bins)]) execFileSync(shell, ['-n', '-c', text]);
  }
});

test('completion: cilo answers itself, cilo-compose asks docker compose', () => {
  for (const shell of SHELLS) {
    const text = completionScript(shell, bins);
    assert.match(text, /__complete/);
    assert.match(text, /docker __complete compose/, shell);
    assert.ok(text.includes(`'/opt/it'\\''s/bin/cilo'`), shell);
  }
});
