// lib/cli/output.ts: the colour decision per stream, and table alignment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { alignRows, colorEnabled, confirm, interactive, jsonRequested, palette, table } from '../../lib/cli/output.ts';

test('colorEnabled: NO_COLOR (non-empty) wins, then FORCE_COLOR, then the stream being a TTY', () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };
  assert.equal(colorEnabled(tty, {}), true);
  assert.equal(colorEnabled(pipe, {}), false);
  assert.equal(colorEnabled({}, {}), false);
  assert.equal(colorEnabled(tty, { NO_COLOR: '1' }), false);
  assert.equal(colorEnabled(tty, { NO_COLOR: 'anything' }), false);
  assert.equal(colorEnabled(pipe, { NO_COLOR: '1', FORCE_COLOR: '1' }), false);
  assert.equal(colorEnabled(tty, { NO_COLOR: '' }), true, 'an empty NO_COLOR is not set');
  assert.equal(colorEnabled(pipe, { FORCE_COLOR: '1' }), true);
  assert.equal(colorEnabled(pipe, { FORCE_COLOR: '' }), true, 'FORCE_COLOR present');
  assert.equal(colorEnabled(tty, { FORCE_COLOR: '0' }), true, 'FORCE_COLOR=0 forces nothing; the TTY decides');
  assert.equal(colorEnabled(pipe, { FORCE_COLOR: '0' }), false);
});

test('palette(false) paints nothing', () => {
  const p = palette(false);
  for (const f of [p.bold, p.dim, p.red, p.yellow, p.green]) assert.equal(f('text'), 'text');
});

test('alignRows / table: columns padded to the widest cell, the last column not padded, no trailing spaces', () => {
  const rows = alignRows(
    ['NAME', 'STATUS', 'SOURCE'],
    [
      ['dev', 'running', '/src/a'],
      ['feature-42', 'stopped', '/x'],
    ],
  );
  assert.deepEqual(rows, ['NAME        STATUS   SOURCE', 'dev         running  /src/a', 'feature-42  stopped  /x']);
  assert.equal(table(['A', 'B'], [['1', '']]), 'A  B\n1\n', 'an empty last cell leaves no trailing spaces');
  assert.equal(table(['A'], []), 'A\n');
  assert.equal(
    table(['A', 'B'], [['x', 'y']], (s) => `<${s}>`),
    '<A  B>\nx  y\n',
    'only the header is painted',
  );
});

test('jsonRequested: --json, --format json, --format=json before any --', () => {
  assert.equal(jsonRequested(['list', '--json']), true);
  assert.equal(jsonRequested(['list', '--format', 'json']), true);
  assert.equal(jsonRequested(['list', '--format=json']), true);
  assert.equal(jsonRequested(['list', '--format', 'table']), false);
  assert.equal(jsonRequested(['up', 'x', '--', '--json']), false, "Compose's arguments are not cilo's");
  assert.equal(jsonRequested(['list']), false);
});

test('confirm: the question on stderr, one line read from stdin; only y or yes is yes; interactive needs two terminals', async () => {
  const answer = async (line: string | null) => {
    const stdin = new PassThrough();
    const said: string[] = [];
    const out = { out: () => {}, err: (s: string) => said.push(s), json: () => {}, paint: palette(false) };
    const pending = confirm({ ...out, stdio: { stdin, stdout: new PassThrough() } }, 'go? ');
    if (line === null) stdin.end();
    else stdin.write(`${line}\n`);
    return { yes: await pending, said };
  };
  assert.deepEqual(await answer('y'), { yes: true, said: ['go? '] });
  assert.equal((await answer(' YES ')).yes, true);
  for (const no of ['', 'n', 'no', 'yep', null]) assert.equal((await answer(no)).yes, false, String(no));
  const tty = Object.assign(new PassThrough(), { isTTY: true });
  const base = { out: () => {}, err: () => {}, json: () => {}, paint: palette(false) };
  assert.equal(interactive({ ...base, stdio: { stdin: tty, stdout: tty } }), true);
  assert.equal(interactive({ ...base, stdio: { stdin: new PassThrough(), stdout: tty } }), false);
  assert.equal(interactive(base), false);
});
