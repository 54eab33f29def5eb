// lib/state/names.ts: names the user typed are validated (never rewritten); derived names are normalized.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  envNetworkName,
  isSpecialUse,
  isDnsLabel,
  sharedNetworkName,
  toDnsLabel,
  validateDockerName,
  validateName,
  validateSuffix,
} from '../../lib/state/names.ts';
import { NETWORK_NAME } from '../../lib/compose/x-cilo.ts';
import { UsageError, UserError } from '../../lib/errors/index.ts';

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof UsageError, `expected a UsageError, got ${String(e)}`);
    assert.equal(e.exitCode, 2, 'usage errors exit 2');
    return e;
  }
  assert.fail('expected a UsageError, nothing was thrown');
}

test('validateName accepts DNS labels and returns them unchanged', () => {
  for (const ok of ['a', 'dev', 'feature-42', '42', '0a', 'a-b-c', 'x'.repeat(63), 'a' + '-'.repeat(61) + 'b']) {
    assert.equal(validateName(ok, 'environment name'), ok);
    assert.equal(isDnsLabel(ok), true, ok);
  }
});

test('validateName rejects what is not a DNS label, with a hint suggesting the normalized form', () => {
  // [input, suggested form]: the suggestion follows the documented rule (lower-case, other runs → '-', trim '-').
  const cases: [string, string][] = [
    ['Dev', 'dev'],
    ['MyApp', 'myapp'],
    ['my_app', 'my-app'],
    ['../x', 'x'],
    ['a/b', 'a-b'],
    ['a;rm', 'a-rm'],
    ['$(x)', 'x'],
    ['a b', 'a-b'],
    ['`id`', 'id'],
    ['a|b', 'a-b'],
    ['a&&b', 'a-b'],
    ['-dev', 'dev'],
    ['dev-', 'dev'],
    ['dev.test', 'dev-test'],
    ['x'.repeat(64), 'x'.repeat(63)],
  ];
  for (const [input, suggestion] of cases) {
    const e = usageError(() => validateName(input, 'environment name'));
    assert.ok(e.message.includes(JSON.stringify(input)), `message quotes the input: ${e.message}`);
    assert.match(e.message, /invalid environment name/);
    assert.equal(e.hint, `use ${JSON.stringify(suggestion)} instead`, `hint for ${input}`);
    // the suggestion itself must be valid, or the hint would lead to another error
    assert.equal(validateName(suggestion, 'environment name'), suggestion);
  }
});

test('validateName explains length and emptiness', () => {
  const long = usageError(() => validateName('x'.repeat(64), 'environment name'));
  assert.match(long.message, /64 characters long \(at most 63\)/);
  const empty = usageError(() => validateName('', 'project name'));
  assert.match(empty.message, /invalid project name "": it is empty/);
  assert.match(empty.hint!, /"dev"/);
  // nothing usable left after normalization: a generic example instead of an empty suggestion
  const junk = usageError(() => validateName('___', 'environment name'));
  assert.doesNotMatch(junk.hint!, /use "" instead/);
  assert.match(junk.hint!, /use a name like/);
});

test('validateName names what was being validated', () => {
  assert.match(usageError(() => validateName('A', 'project name')).message, /invalid project name/);
  assert.match(usageError(() => validateName('A', 'DNS suffix')).message, /invalid DNS suffix/);
});

test('a UsageError is a UserError (printed without a stack trace)', () => {
  assert.ok(usageError(() => validateName('A', 'environment name')) instanceof UserError);
});

test('toDnsLabel: the normalization rule', () => {
  assert.equal(toDnsLabel('web'), 'web');
  assert.equal(toDnsLabel('Web_App'), 'web-app');
  assert.equal(toDnsLabel('a__b..c'), 'a-b-c', 'a run of other characters becomes one hyphen');
  assert.equal(toDnsLabel('--x--'), 'x');
  assert.equal(toDnsLabel('a--b'), 'a-b', 'hyphens are outside [a-z0-9] too: a run of them becomes one');
  assert.equal(toDnsLabel('___'), '');
  assert.equal(toDnsLabel(''), '');
  assert.equal(toDnsLabel('ünï'), 'n', 'non-ASCII letters are not [a-z]');
  assert.equal(toDnsLabel('x'.repeat(70)), 'x'.repeat(63));
  // cut to 63 first, then trailing hyphens dropped: never ends in '-'
  const cut = toDnsLabel('a'.repeat(62) + '_b');
  assert.equal(cut, 'a'.repeat(62));
  for (const s of ['Hello World!', '_x_', 'a'.repeat(62) + '__' + 'b'.repeat(10), '9lives', 'A.B.C'])
    assert.ok(toDnsLabel(s) === '' || isDnsLabel(toDnsLabel(s)), `${s} → ${toDnsLabel(s)} is a DNS label`);
});

test('isDnsLabel', () => {
  for (const bad of ['', '-a', 'a-', 'A', 'a_b', 'a.b', 'x'.repeat(64), 'a b', 'é'])
    assert.equal(isDnsLabel(bad), false, bad);
});

test('validateSuffix accepts one or more dot-separated labels', () => {
  for (const ok of ['test', 'dev', 'dev.internal', 'a.b.c', 'x'.repeat(63) + '.test'])
    assert.equal(validateSuffix(ok), ok);
});

test('validateSuffix rejects bad suffixes with a suggestion', () => {
  const cases: [string, string][] = [
    ['Test', 'use "test" instead'],
    ['my_suffix', 'use "my-suffix" instead'],
    ['a..b', 'use "a.b" instead'],
    ['.test', 'use "test" instead'],
    ['test.', 'use "test" instead'],
    ['', 'use "test"'],
    ['...', 'use "test"'],
  ];
  for (const [input, hint] of cases) {
    const e = usageError(() => validateSuffix(input));
    assert.match(e.message, /invalid DNS suffix/);
    assert.equal(e.hint, hint, input);
  }
});

test('validateSuffix rejects a suffix longer than 253 characters even if every label is valid', () => {
  const long = Array.from({ length: 5 }, () => 'a'.repeat(63)).join('.'); // 319 characters
  usageError(() => validateSuffix(long));
  const fits = Array.from({ length: 4 }, () => 'a'.repeat(62)).join('.'); // 251 characters
  assert.equal(validateSuffix(fits), fits);
});

test('network names: cilo-<env> and cilo-shared-<env>, valid Docker network names for any environment name', () => {
  assert.equal(envNetworkName('dev'), 'cilo-dev');
  assert.equal(sharedNetworkName('db'), 'cilo-shared-db');
  const longest = 'a'.repeat(63);
  for (const n of [envNetworkName(longest), sharedNetworkName(longest), envNetworkName('0'), sharedNetworkName('a-b')])
    assert.ok(NETWORK_NAME.test(n), n);
});

test("validateDockerName: Docker's rule with a bound, and an error that says where and gives an example", () => {
  for (const ok of ['db', 'shop_data', 'a.b-c', 'X9', 'x'.repeat(128)])
    assert.equal(validateDockerName(ok, 'network name', 'compose.yaml: networks.n.name', 'shop_n'), ok);
  for (const bad of ['../../x', 'a/b', '-flag', '.hidden', 'café', 'a..b', '', 'x'.repeat(129), 'sp ace'])
    assert.throws(
      () => validateDockerName(bad, 'volume name', 'compose.yaml: volumes.data.name', 'shop_data'),
      (e: unknown) =>
        e instanceof UsageError &&
        e.message.includes('(compose.yaml: volumes.data.name)') &&
        e.hint === 'use e.g. "shop_data"',
      bad,
    );
  assert.throws(
    () => validateDockerName('x'.repeat(300), 'network name', 'here', 'n'),
    /is 300 characters long \(at most 128\)/,
  );
});

test('special-use suffixes: test, localhost, internal, home.arpa and names under them; nothing else', () => {
  for (const s of ['test', 'localhost', 'internal', 'home.arpa', 'dev.internal', 'a.test'])
    assert.ok(isSpecialUse(s), s);
  for (const s of ['com', 'dev', 'arpa', 'testing', 'mytest', 'internal.com']) assert.ok(!isSpecialUse(s), s);
});
