// lib/compose/yaml-file.ts: reading user compose files; errors carry file:line:col.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseComposeFile, positionOf } from '../../lib/compose/yaml-file.ts';
import { UserError } from '../../lib/errors/index.ts';

const FILE = '/proj/compose.yaml';

async function parseError(text: string): Promise<UserError> {
  try {
    await parseComposeFile(FILE, text);
  } catch (e) {
    assert.ok(e instanceof UserError, `a UserError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the file to be refused');
}

test('a plain compose file parses; merge keys are honoured', async () => {
  const p = await parseComposeFile(
    FILE,
    'x-base: &base\n  image: busybox\nservices:\n  web:\n    <<: *base\n    command: ["sh"]\n',
  );
  assert.equal(p.file, FILE);
  assert.deepEqual(p.doc.errors, []);
  assert.deepEqual(p.doc.warnings, []);
  assert.deepEqual((p.doc.toJS() as { services: unknown }).services, { web: { image: 'busybox', command: ['sh'] } });
});

test("Compose's !reset and !override tags parse quietly (no errors, no warnings)", async () => {
  const text = [
    'services:',
    '  web:',
    '    image: busybox',
    '    ports: !reset []',
    '    environment: !override',
    '      A: b',
    '    volumes: !override',
    '      - ./x:/x',
    '    command: !reset null',
    '    labels: !reset {}',
    '',
  ].join('\n');
  const p = await parseComposeFile(FILE, text);
  assert.deepEqual(p.doc.errors, []);
  assert.deepEqual(p.doc.warnings, []);
  const web = (p.doc.toJS() as { services: { web: Record<string, unknown> } }).services.web;
  assert.deepEqual(web.ports, []);
  assert.deepEqual(web.environment, { A: 'b' });
  assert.deepEqual(web.volumes, ['./x:/x']);
});

test('malformed YAML: the error names file:line:col', async () => {
  // "a: b: c" — the nested mapping starts at the second value, column 4 of line 1
  let e = await parseError('a: b: c\n');
  assert.match(e.message, new RegExp(`^${FILE}:1:4: invalid YAML: `));
  // a tab used for indentation on line 3
  e = await parseError('services:\n  web:\n\timage: x\n');
  assert.match(e.message, new RegExp(`^${FILE}:3:1: invalid YAML: .*[Tt]ab`));
  // a duplicate key on line 3
  e = await parseError('services:\n  web: {}\nservices: {}\n');
  assert.match(e.message, new RegExp(`^${FILE}:3:1: invalid YAML: .*unique`));
  assert.match(e.hint!, /docker compose config/);
  // an unclosed flow sequence: reported at the line where the document ends without ']'
  e = await parseError('services:\n  web:\n    command: [a, b\n');
  assert.match(e.message, new RegExp(`^${FILE}:\\d+:\\d+: invalid YAML: `));
});

test('a second YAML document is refused with its position and a hint', async () => {
  const e = await parseError('services: {}\n---\nservices: {}\n');
  assert.match(e.message, new RegExp(`^${FILE}:2:1: a compose file must hold a single YAML document`));
  assert.match(e.hint!, /separate files/);
});

test('an empty file parses (Compose decides what it means)', async () => {
  const p = await parseComposeFile(FILE, '');
  assert.equal(p.doc.contents, null);
});

test('positionOf maps a node to file:line:col, and falls back to the file', async () => {
  const p = await parseComposeFile(FILE, 'services:\n  web:\n    image: busybox\n');
  const image = p.doc.getIn(['services', 'web', 'image'], true);
  assert.equal(positionOf(p, image as never), `${FILE}:3:12`);
  assert.equal(positionOf(p, null), FILE);
  assert.equal(positionOf(p, {}), FILE);
});
