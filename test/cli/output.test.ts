// lib/cli/output.ts: the colour decision per stream, and table alignment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alignRows, colorEnabled, jsonRequested, palette, table } from '../../lib/cli/output.ts';

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
