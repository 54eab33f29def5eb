// lib/compose/global-flags.ts: Compose's global flags up to the subcommand; the rest is forwarded untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGlobalFlags, UnknownGlobalFlag, type GlobalFlags } from '../../lib/compose/global-flags.ts';

const none: GlobalFlags = { files: [], envFiles: [], profiles: [], otherTokens: [], version: false, subArgs: [] };
const parsed = (argv: string[]) => parseGlobalFlags(argv);

test('no arguments: nothing set', () => {
  assert.deepEqual(parsed([]), none);
});

test('-f in all its forms, repeated, in order', () => {
  assert.deepEqual(parsed(['-f', 'a.yml', '-f', 'b.yml', 'up']).files, ['a.yml', 'b.yml']);
  assert.deepEqual(parsed(['--file=a.yml', 'up']).files, ['a.yml']);
  assert.deepEqual(parsed(['--file', 'a.yml', 'up']).files, ['a.yml']);
  assert.deepEqual(parsed(['-fa.yml', 'up']).files, ['a.yml']);
  assert.deepEqual(parsed(['-f=a.yml', 'up']).files, ['a.yml']);
  assert.deepEqual(parsed(['-f', 'a.yml', '--file=b.yml', '-fc.yml', '-f=d.yml', 'config']).files, [
    'a.yml',
    'b.yml',
    'c.yml',
    'd.yml',
  ]);
  assert.deepEqual(parsed(['-f', '-', 'config']).files, ['-'], 'stdin');
  assert.deepEqual(parsed(['--file=', 'config']).files, [''], 'an empty value is still a value');
});

test('-p in all its forms; the last one wins', () => {
  for (const argv of [['-p', 'x'], ['-px'], ['-p=x'], ['--project-name', 'x'], ['--project-name=x']]) {
    const g = parsed([...argv, 'up']);
    assert.equal(g.projectName, 'x', argv.join(' '));
    assert.equal(g.subcommand, 'up');
    assert.deepEqual(g.otherTokens, [], '-p is not in otherTokens');
  }
  assert.equal(parsed(['-p', 'a', '-p', 'b', 'ps']).projectName, 'b');
});

test('--project-directory / --workdir, --env-file, --profile are recorded and kept in otherTokens as typed', () => {
  const g = parsed([
    '--project-directory',
    'dir',
    '--env-file',
    'a.env',
    '--env-file=b.env',
    '--profile',
    'dev',
    '--profile=debug',
    'up',
  ]);
  assert.equal(g.projectDirectory, 'dir');
  assert.deepEqual(g.envFiles, ['a.env', 'b.env']);
  assert.deepEqual(g.profiles, ['dev', 'debug']);
  assert.deepEqual(g.otherTokens, [
    '--project-directory',
    'dir',
    '--env-file',
    'a.env',
    '--env-file=b.env',
    '--profile',
    'dev',
    '--profile=debug',
  ]);
  assert.equal(parsed(['--workdir', 'w', 'up']).projectDirectory, 'w');
  assert.equal(parsed(['--project-directory=d2', 'up']).projectDirectory, 'd2');
});

test('value flags that cilo does not interpret pass through in otherTokens', () => {
  const g = parsed(['--ansi', 'never', '--progress', 'plain', '--parallel', '2', '--progress=tty', 'up']);
  assert.deepEqual(g.otherTokens, ['--ansi', 'never', '--progress', 'plain', '--parallel', '2', '--progress=tty']);
  assert.equal(g.subcommand, 'up');
});

test('boolean flags: --compatibility, --dry-run, --all-resources, --verbose, --no-ansi (=true/=false accepted)', () => {
  const g = parsed([
    '--compatibility',
    '--dry-run',
    '--all-resources',
    '--verbose',
    '--no-ansi',
    '--dry-run=false',
    'up',
    '-d',
  ]);
  assert.deepEqual(g.otherTokens, [
    '--compatibility',
    '--dry-run',
    '--all-resources',
    '--verbose',
    '--no-ansi',
    '--dry-run=false',
  ]);
  assert.deepEqual(g.subArgs, ['-d']);
});

test('-v / --version before any subcommand', () => {
  assert.deepEqual(parsed(['-v']), { ...none, version: true, otherTokens: ['-v'] });
  assert.deepEqual(parsed(['--version']), { ...none, version: true, otherTokens: ['--version'] });
  assert.equal(parsed(['--version=false']).version, false);
  const g = parsed(['up', '-v']);
  assert.equal(g.version, false, '-v after the subcommand belongs to the subcommand');
  assert.deepEqual(g.subArgs, ['-v']);
});

test('-h / --help are known', () => {
  assert.deepEqual(parsed(['-h']).otherTokens, ['-h']);
  assert.deepEqual(parsed(['--help']).otherTokens, ['--help']);
});

test('the subcommand and everything after it are forwarded byte for byte', () => {
  const sub = [
    '-d',
    '--',
    '',
    '1.50',
    ' spaced arg ',
    '-p',
    'other',
    '--file=x.yml',
    '$HOME',
    'ünï',
    '-f',
    '--scale',
    'web=3',
    '--no-deps=false',
  ];
  const g = parsed(['-p', 'proj', '-f', 'c.yml', 'run', ...sub]);
  assert.equal(g.subcommand, 'run');
  assert.deepEqual(g.subArgs, sub);
  assert.equal(g.projectName, 'proj', '-p after the subcommand does not change the project');
  assert.deepEqual(g.files, ['c.yml'], '-f after the subcommand is not a compose file');
  assert.ok(g.subArgs !== sub);
});

test('the first non-flag token is the subcommand, even an empty string or "-"', () => {
  assert.equal(parsed(['up']).subcommand, 'up');
  assert.deepEqual(parsed(['', 'x']), { ...none, subcommand: '', subArgs: ['x'] });
  assert.deepEqual(parsed(['-', 'x']), { ...none, subcommand: '-', subArgs: ['x'] });
  // a value that looks like a subcommand is taken as the flag's value
  const g = parsed(['-f', 'up', 'down']);
  assert.deepEqual(g.files, ['up']);
  assert.equal(g.subcommand, 'down');
});

test('otherTokens excludes -f and -p in every form, keeps the order of the rest', () => {
  const g = parsed([
    '--ansi',
    'never',
    '-f',
    'a.yml',
    '-pfoo',
    '--dry-run',
    '--file=b.yml',
    '--project-name',
    'bar',
    '--profile',
    'x',
    'up',
  ]);
  assert.deepEqual(g.otherTokens, ['--ansi', 'never', '--dry-run', '--profile', 'x']);
  assert.deepEqual(g.files, ['a.yml', 'b.yml']);
  assert.equal(g.projectName, 'bar');
});

test('unknown or malformed global flags throw UnknownGlobalFlag (the caller then hands everything to Compose)', () => {
  const bad: string[][] = [
    ['--bogus', 'up'],
    ['--bogus=1', 'up'],
    ['-x', 'up'],
    ['--', 'up'],
    ['-f'],
    ['--file'],
    ['-p'],
    ['--env-file'],
    ['--dry-run=yes', 'up'],
    ['-vh'], // pflag would read two booleans; cilo does not handle bundles and lets Compose do it
    ['--f', 'a.yml', 'up'],
  ];
  for (const argv of bad) assert.throws(() => parsed(argv), UnknownGlobalFlag, argv.join(' '));
});

test('-file is -f with the value "ile", as pflag reads it', () => {
  const g = parsed(['-file', 'a.yml']);
  assert.deepEqual(g.files, ['ile']);
  assert.equal(g.subcommand, 'a.yml');
});

test('the input array is not modified', () => {
  const argv = ['-f', 'a.yml', '-p', 'x', 'up', '-d'];
  const copy = [...argv];
  parsed(argv);
  assert.deepEqual(argv, copy);
});
