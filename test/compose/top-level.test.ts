// lib/compose/top-level.ts: the line rules for x-cilo and name:, when they are exact, and the parser otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keysStartLines, mentionsXCilo, readTopLevelKeys, topLevelName } from '../../lib/compose/top-level.ts';
import { UserError } from '../../lib/errors/index.ts';

test('keysStartLines: the first line holding anything starts a key at column 0; no line starts ? & ! *', () => {
  const usual = [
    'services: {}\n',
    '# c\n\n  # d\n---\nname: x\n',
    '---  \r\nx: 1\n',
    '%YAML 1.2\n---\nx: 1',
    '"x-cilo": 1\n',
    "'a': 1\n",
    '',
    '\n\n',
    '   \t\n# x\n',
    '\r\nservices:\r\n',
    '1: x\n',
    '_x: 1\n',
  ];
  const unusual = [
    '{"x-cilo": {}}\n',
    '--- {a: 1}\n',
    '--- # c\nx: 1\n',
    '  services:\n',
    '\ufeffservices:\n',
    '- a\n',
    '[1]\n',
    'é: 1\n',
    '...\n',
    'services: {}\n? x-cilo\n: {}\n',
    'a: 1\n&k x-cilo: {}\n',
    'a: 1\n!!str x-cilo: {}\n',
    'a: 1\n*k : 1\n',
  ];
  for (const text of usual) assert.equal(keysStartLines(text), true, JSON.stringify(text));
  for (const text of unusual) assert.equal(keysStartLines(text), false, JSON.stringify(text));
});

test('mentionsXCilo: a column-0 x-cilo key only', () => {
  assert.equal(mentionsXCilo('x-cilo:\n  project: a\n'), true);
  assert.equal(mentionsXCilo('services: {}\nx-cilo:\n'), true);
  assert.equal(mentionsXCilo('services: {}\r\nx-cilo: {project: a}\r\n'), true);
  assert.equal(mentionsXCilo('x-cilo :\n'), true);
  assert.equal(mentionsXCilo('"x-cilo":\n  project: a\n'), true, 'a quoted key is the same key');
  assert.equal(mentionsXCilo("'x-cilo': {project: a}\n"), true);
  assert.equal(mentionsXCilo('services: {}\n  "x-cilo": 1\n'), false, 'a quoted but indented key is not top level');
  assert.equal(mentionsXCilo('x-cilo\n: 1\n'), false, 'the colon must be on the same line');
  assert.equal(mentionsXCilo('services:\n  x-cilo:\n'), false, 'indented: not top level');
  assert.equal(mentionsXCilo('# x-cilo:\n'), false);
  assert.equal(mentionsXCilo('xx-cilo:\n'), false);
  assert.equal(mentionsXCilo('x-cilo-extra:\n'), false);
  assert.equal(mentionsXCilo('x-ciloo: 1\n'), false);
  assert.equal(mentionsXCilo('services:\n  web:\n    image: x-cilo\n'), false);
  assert.equal(mentionsXCilo(''), false);
});

test('topLevelName: a column-0 name: key, quoted or not', () => {
  assert.equal(topLevelName('services: {}\nname: shop\n'), 'shop');
  assert.equal(topLevelName('name: "quoted # not a comment"\n'), 'quoted # not a comment');
  assert.equal(topLevelName("name: 'single'\n"), 'single');
  assert.equal(topLevelName('name: plain # comment\n'), 'plain');
  assert.equal(topLevelName('services:\n  web:\n    name: nested\n'), undefined, 'only a column-0 key');
  assert.equal(topLevelName('names: x\n'), undefined);
  assert.equal(topLevelName('name: ${X:-d}\n'), '${X:-d}');
  assert.equal(topLevelName('"name": shop\n'), 'shop', 'a quoted key is the same key');
  assert.equal(topLevelName("'name' : shop\n"), 'shop');
});

test('readTopLevelKeys: x-cilo and a scalar name: of the top-level mapping only', async () => {
  assert.deepEqual(
    await readTopLevelKeys('/p/c.yaml', '{"name": "shop", "x-cilo": {}, "services": {"a": {"x-cilo": 1}}}\n'),
    { xcilo: true, name: 'shop' },
  );
  assert.deepEqual(await readTopLevelKeys('/p/c.yaml', '  services:\n    a:\n      name: inner\n      x-cilo: 1\n'), {
    xcilo: false,
  });
  assert.deepEqual(await readTopLevelKeys('/p/c.yaml', '? name\n: 12\n? x-cilo\n'), { xcilo: true, name: '12' });
  assert.deepEqual(
    await readTopLevelKeys('/p/c.yaml', '{"name": {"a": 1}}\n'),
    { xcilo: false },
    'a name that is not a scalar is no name',
  );
  assert.deepEqual(await readTopLevelKeys('/p/c.yaml', '[1, 2]\n'), { xcilo: false });
  await assert.rejects(
    readTopLevelKeys('/p/c.yaml', '{"x-cilo": \n'),
    (e) => e instanceof UserError && /^\/p\/c\.yaml:\d+:\d+: invalid YAML/.test(e.message),
  );
});
