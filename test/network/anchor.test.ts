// lib/network/anchor.ts: the anchor's program waits and nothing else; its tar is one a real tar reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pauseProgram, tarOf } from '../../lib/network/anchor.ts';
import { tempDir, waitFor } from '../helpers.ts';

test(
  'pauseProgram: a static x86-64 executable that keeps running until killed',
  { skip: process.platform !== 'linux' || process.arch !== 'x64' ? 'runs only on x86-64 Linux' : false },
  async (t) => {
    const file = join(tempDir(t), 'pause');
    writeFileSync(file, pauseProgram(), { mode: 0o755 });
    const child = spawn(file, [], { stdio: 'ignore' });
    const exited = new Promise<string>((r) => child.on('exit', (code, signal) => r(`${code} ${signal}`)));
    // It waits in pause(2) (syscall 34 on x86-64): what /proc says it is blocked in, not a guess by time.
    const syscall = () => readFileSync(`/proc/${child.pid}/syscall`, 'utf8').split(' ')[0];
    await waitFor('the program to wait in pause(2)', () => syscall() === '34');
    child.kill('SIGTERM'); // not PID 1 here: the default action ends it
    assert.equal(await exited, 'null SIGTERM');
  },
);

test('tarOf: one executable file, as tar lists and extracts it', (t) => {
  const dir = tempDir(t);
  const data = pauseProgram();
  writeFileSync(join(dir, 'a.tar'), tarOf('pause', data));
  const listing = execFileSync('tar', ['-tvf', join(dir, 'a.tar')], { encoding: 'utf8' });
  assert.match(listing, new RegExp(`^-rwxr-xr-x .* ${data.length} .* pause\\n$`));
  execFileSync('tar', ['-xf', join(dir, 'a.tar'), '-C', dir]);
  assert.deepEqual(execFileSync('cat', [join(dir, 'pause')]), data);
  assert.equal(
    tarOf('x', Buffer.alloc(513)).length,
    512 + 1024 + 1024,
    'data padded to 512-byte blocks, two zero blocks at the end',
  );
});
