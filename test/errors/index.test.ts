// lib/errors: the vocabulary and reportError, the one place errors become stderr text and an exit code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExitCodeError, reportError, UsageError, UserError } from '../../lib/errors/index.ts';
import { PortTakenError } from '../../lib/network/host-ports.ts';
import { SubnetTakenError } from '../../lib/network/networks.ts';

function report(err: unknown, debug = false) {
  let text = '';
  const r = reportError(err, { prog: 'cilo', debug, write: (s) => (text += s) });
  return { ...r, text };
}

test('a user error: the message and the hint (continuation lines indented), exit 1, no stack', () => {
  const r = report(new UserError('no environment named x', "see 'cilo list'\nor create it"));
  assert.equal(r.code, 1);
  assert.equal(r.text, "cilo: error: no environment named x\nhint: see 'cilo list'\n      or create it\n");
});

test('a usage error exits 2; a user error may carry its own code', () => {
  assert.equal(report(new UsageError('unknown command')).code, 2);
  assert.equal(report(new UserError('x', undefined, 3)).code, 3);
  assert.equal(report(new UserError('x')).text, 'cilo: error: x\n', 'no hint line without a hint');
});

test('CILO_DEBUG adds the stack to a user error', () => {
  assert.match(report(new UserError('boom', 'h'), true).text, /^cilo: error: boom\nhint: h\nUserError: boom\n\s+at /);
});

test("a child's exit code or signal is passed on silently", () => {
  assert.deepEqual(report(new ExitCodeError(17)), { code: 17, signal: undefined, text: '' });
  assert.deepEqual(report(new ExitCodeError(130, 'SIGINT')), { code: 130, signal: 'SIGINT', text: '' });
});

test('anything else is a bug in cilo: printed with its stack, exit 70', () => {
  const r = report(new TypeError('x is undefined'));
  assert.equal(r.code, 70);
  assert.match(r.text, /^cilo: internal error \(this is a bug in cilo\): TypeError: x is undefined\n\s+at /);
  assert.match(r.text, /please report it/);
  assert.match(report('a string').text, /internal error .*: a string/);
});

test('paint colours only the labels', () => {
  let text = '';
  reportError(new UserError('m', 'h'), {
    prog: 'cilo',
    debug: false,
    write: (s) => (text += s),
    paint: { error: (s) => `<${s}>`, hint: (s) => `[${s}]` },
  });
  assert.equal(text, 'cilo: <error:> m\n[hint:] h\n');
});

test("asked for JSON: the error also as {error, hint}; a bug as an internal error; a child's code adds nothing", () => {
  const seen: unknown[] = [];
  const json = (v: unknown) => seen.push(v);
  reportError(new UserError('no environment named x', 'see cilo list'), {
    prog: 'cilo',
    debug: false,
    write: () => undefined,
    json,
  });
  reportError(new UserError('no hint'), { prog: 'cilo', debug: false, write: () => undefined, json });
  reportError(new TypeError('boom'), { prog: 'cilo', debug: false, write: () => undefined, json });
  reportError(new ExitCodeError(3), { prog: 'cilo', debug: false, write: () => undefined, json });
  assert.deepEqual(seen, [
    { error: 'no environment named x', hint: 'see cilo list' },
    { error: 'no hint' },
    {
      error: 'internal error (this is a bug in cilo): boom',
      hint: 'please report it with the command you ran and its output',
    },
  ]);
});

test('expected failures are user errors with a hint, never "internal error" (exit 70)', () => {
  for (const err of [new PortTakenError(24000, '127.0.0.1', 'tcp'), new SubnetTakenError('10.224.0.0/24')]) {
    const r = report(err);
    assert.equal(r.code, 1, err.message);
    assert.doesNotMatch(r.text, /internal error/);
    assert.match(r.text, /\nhint: \S/);
  }
});
