// lib/compose/dotenv.ts: the `.env` subset that matters for COMPOSE_* keys, and `name:` interpolation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interpolate, parseDotenv } from '../../lib/compose/dotenv.ts';

test('parseDotenv: KEY=VALUE lines, export prefix, comments, blank lines, CRLF', () => {
  const text = [
    '# a comment',
    '',
    'A=1',
    'export B=two',
    '  C = spaced  ',
    'D=',
    'E=x # inline comment',
    'F=a#b',
    'bad line',
    '1X=no',
    'G.H-I=dots',
  ].join('\r\n');
  assert.deepEqual(parseDotenv(text), { A: '1', B: 'two', C: 'spaced', D: '', E: 'x', F: 'a#b', 'G.H-I': 'dots' });
});

test('parseDotenv: quotes', () => {
  assert.deepEqual(
    parseDotenv('A="double # not a comment"\nB=\'single $X\'\nC="line\\nbreak"\nD="say \\"hi\\""\nE="unterminated\n'),
    {
      A: 'double # not a comment',
      B: 'single $X',
      C: 'line\nbreak',
      D: 'say "hi"',
      E: 'unterminated',
    },
  );
});

test('parseDotenv: a later line wins', () => {
  assert.deepEqual(parseDotenv('A=1\nA=2\n'), { A: '2' });
});

test('interpolate: $VAR, ${VAR}, defaults, $$', () => {
  const vars = { SET: 'v', EMPTY: '' };
  assert.equal(interpolate('$SET-${SET}', vars), 'v-v');
  assert.equal(interpolate('${UNSET:-d}|${EMPTY:-d}|${SET:-d}', vars), 'd|d|v', ':- also replaces empty');
  assert.equal(interpolate('${UNSET-d}|${EMPTY-d}|${SET-d}', vars), 'd||v', '- replaces only unset');
  assert.equal(interpolate('$UNSET|${UNSET}', vars), '|');
  assert.equal(interpolate('cost$$5', vars), 'cost$5');
  assert.equal(interpolate('$$SET', vars), '$SET', 'an escaped $ is not a variable');
  assert.equal(interpolate('plain', vars), 'plain');
});

test('parseDotenv: ${VAR} in unquoted and double-quoted values, from the environment first, then earlier lines', () => {
  const env: Record<string, string> = { HOME_DIR: '/home/me', A: 'from-env' };
  const text = [
    'A=from-file',
    'B=${A}-b',
    'C="${HOME_DIR}/c ${MISSING:-dflt}"',
    "D='${A} stays'",
    'E=$$A',
    'F=${B}/f',
  ].join('\n');
  assert.deepEqual(
    parseDotenv(text, (k) => env[k]),
    { A: 'from-file', B: 'from-env-b', C: '/home/me/c dflt', D: '${A} stays', E: '$A', F: 'from-env-b/f' },
  );
  assert.equal(parseDotenv('X=${Y}\nY=1\n').X, '', 'a later line is not seen');
});
