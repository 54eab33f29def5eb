// lib/core/environment/service-io.ts: output bounded to its end, whole characters kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lastBytes } from '../../../lib/core/environment/service-io.ts';

test('lastBytes: short text whole; long text its end, never half a character', () => {
  assert.deepEqual(lastBytes('hello', 10), { text: 'hello', truncated: false });
  assert.deepEqual(lastBytes('0123456789abc', 4), { text: '9abc', truncated: true });
  const cut = lastBytes('ééé', 3); // 6 bytes: the last 3 start inside a character
  assert.deepEqual(cut, { text: 'é', truncated: true });
});
