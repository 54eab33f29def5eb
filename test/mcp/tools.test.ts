// lib/mcp/tools.ts: the tools' table — unique names, the jobs the issue lists, parameters an agent can read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { TOOLS } from '../../lib/mcp/tools.ts';

test('unique names, each described, every parameter described', () => {
  const names = TOOLS.map((t) => t.name);
  assert.equal(new Set(names).size, names.length);
  for (const t of TOOLS) {
    assert.ok(t.description.length > 20, `${t.name} says what it does`);
    for (const [k, schema] of Object.entries(t.input))
      assert.ok((schema as z.ZodType).description, `${t.name}.${k} says what it is`);
  }
});

test('only the tools that change nothing say so', () => {
  assert.deepEqual(
    TOOLS.filter((t) => t.readOnly).map((t) => t.name),
    ['list', 'status', 'connection', 'logs', 'shared_list'],
  );
});

test('parameters: defaults filled in, bad values refused before any work', () => {
  const schema = (name: string) => z.object(TOOLS.find((t) => t.name === name)!.input);
  assert.deepEqual(schema('destroy').parse({ name: 'dev' }), { name: 'dev', force: false, keep_worktree: false });
  assert.equal(schema('exec').safeParse({ name: 'dev', service: 'web', command: [] }).success, false);
  assert.equal(schema('fork').safeParse({ source: 'a', name: 'b', uncopied: 'copy' }).success, false);
  assert.equal(schema('logs').parse({ name: 'dev', service: 'web' }).max_bytes, 65_536);
});
