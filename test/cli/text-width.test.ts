// lib/cli/text-width.ts: the width yargs lays out help text with (in place of string-width).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import textWidth from '../../lib/cli/text-width.ts';

test('characters, not UTF-16 units or bytes; colour codes take no columns', () => {
  assert.equal(textWidth('cilo up <name>'), 14);
  assert.equal(textWidth('`docker compose …` — ok'), 23);
  assert.equal(textWidth('\x1b[1mNAME\x1b[22m'), 4);
  assert.equal(textWidth(''), 0);
});
