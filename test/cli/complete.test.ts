// lib/cli/complete.ts: `cilo __complete` from the command table — commands, subcommands, options, choices,
// and environment or shared-network names where a command takes one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { complete, completionText, NO_FILES } from '../../lib/cli/complete.ts';

const sources = { environments: () => ['alpha', 'beta'], sharedNetworks: () => ['cilo-shared-db'] };
const values = (...words: string[]) => complete(words, sources).values;

test('the first word: the commands (and only top-level flags after a dash)', () => {
  assert.deepEqual(values(''), [
    'create',
    'up',
    'down',
    'destroy',
    'fork',
    'list',
    'ls',
    'status',
    'env',
    'shared',
    'gc',
    'doctor',
    'mcp',
    'router',
    'dns',
    'shell-init',
    'completion',
    'plugin',
  ]);
  assert.deepEqual(values('-'), ['--help', '--version']);
});

test('subcommands, then their options and choices', () => {
  assert.deepEqual(values('dns', ''), ['start', 'stop', 'status', 'render', 'setup']);
  assert.deepEqual(values('dns', 'setup', '--for', ''), ['systemd-resolved', 'macos', 'manual']);
  assert.deepEqual(values('dns', 'setup', '--'), ['--for', '--format', '--help', '--json', '--print']);
  assert.deepEqual(values('list', '--format', ''), ['table', 'json']);
  assert.deepEqual(values('completion', ''), ['bash', 'zsh', 'fish']);
});

test('names where a command takes one, once', () => {
  for (const cmd of ['up', 'down', 'destroy', 'status']) assert.deepEqual(values(cmd, ''), ['alpha', 'beta'], cmd);
  assert.deepEqual(values('up', 'alpha', ''), [], 'the name is given already');
  assert.deepEqual(values('destroy', '--force', ''), ['alpha', 'beta'], 'a flag is no positional');
  assert.deepEqual(values('shared', 'inspect', ''), ['cilo-shared-db']);
  assert.deepEqual(values('create', 'x', '--shared-network', ''), ['cilo-shared-db']);
});

test('--from completes directories: file names allowed; elsewhere none', () => {
  assert.equal(complete(['create', 'x', '--from', ''], sources).directive, 0);
  assert.equal(complete(['up', ''], sources).directive, NO_FILES);
  assert.deepEqual(values('nonsense', ''), []);
});

test('the protocol text: the candidates that start with the word, then the directive', () => {
  assert.equal(
    completionText({ values: ['status', 'shared', 'up'], directive: NO_FILES }, 's'),
    'status\nshared\n:4\n',
  );
});
