// lib/compose/command.ts: the one Compose command line for an environment, and the selector of a project.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { composeArgs, selectorOf } from '../../lib/compose/command.ts';
import { parseGlobalFlags } from '../../lib/compose/global-flags.ts';
import type { ResolvedProject } from '../../lib/compose/resolve.ts';

test("cilo's own calls: project directory, env files, files (then the override), -p, the subcommand", () => {
  assert.deepEqual(
    composeArgs(
      { files: ['/p/a.yml', '/p/b.yml'], projectDirectory: '/p', envFiles: ['/p/x.env'], name: 'dev' },
      { override: '/h/override.yml', subcommand: 'down', args: ['-v'] },
    ),
    [
      '--project-directory',
      '/p',
      '--env-file',
      '/p/x.env',
      '-f',
      '/p/a.yml',
      '-f',
      '/p/b.yml',
      '-f',
      '/h/override.yml',
      '-p',
      'dev',
      'down',
      '-v',
    ],
  );
  assert.deepEqual(composeArgs({ files: [], envFiles: [], name: 'x' }, { subcommand: 'ps' }), ['-p', 'x', 'ps']);
  assert.deepEqual(
    composeArgs(
      { files: ['/p/a.yml'], envFiles: [], name: 'x' },
      { globals: ['--profile', '*'], subcommand: 'config' },
    ),
    ['--profile', '*', '-f', '/p/a.yml', '-p', 'x', 'config'],
  );
});

test("the user's command line: their global flags as typed, then files, override, -p; the subcommand and its arguments untouched", () => {
  const user = parseGlobalFlags([
    '--ansi',
    'never',
    '--project-directory',
    'sub',
    '-f',
    'a.yml',
    '--env-file',
    'e.env',
    '-p',
    'ignored',
    'up',
    '-d',
    '--',
    'x y',
  ]);
  const sel = { files: ['/w/a.yml'], projectDirectory: 'sub', envFiles: ['e.env'], name: 'dev' };
  assert.deepEqual(composeArgs(sel, { user, override: '/h/o.yml', subcommand: user.subcommand!, args: user.subArgs }), [
    '--ansi',
    'never',
    '--project-directory',
    'sub',
    '--env-file',
    'e.env',
    '-f',
    '/w/a.yml',
    '-f',
    '/h/o.yml',
    '-p',
    'dev',
    'up',
    '-d',
    '--',
    'x y',
  ]);
  // Without --env-file of their own, the `.env` files the explicit -f would hide are named.
  const bare = parseGlobalFlags(['up']);
  assert.deepEqual(
    composeArgs({ files: ['/e/c.yml'], envFiles: ['/w/.env'], name: 'dev' }, { user: bare, subcommand: 'up' }),
    ['--env-file', '/w/.env', '-f', '/e/c.yml', '-p', 'dev', 'up'],
  );
});

function project(over: Partial<ResolvedProject>): ResolvedProject {
  return {
    files: ['/p/compose.yaml'],
    discovered: true,
    projectDir: '/p',
    name: 'p',
    nameSource: 'directory',
    vars: {},
    profiles: [],
    dotenvDir: '/p',
    envFilesRead: [],
    texts: new Map(),
    ...over,
  };
}

test("selectorOf: the files and name; the .env read outside the first file's directory is named, unless --env-file was given", () => {
  assert.deepEqual(selectorOf(project({})), {
    name: 'p',
    files: ['/p/compose.yaml'],
    projectDirectory: undefined,
    envFiles: [],
  });
  const moved = project({ files: ['/elsewhere/c.yml'], dotenvDir: '/w', envFilesRead: ['/elsewhere/.env', '/w/.env'] });
  assert.deepEqual(selectorOf(moved).envFiles, ['/elsewhere/.env', '/w/.env']);
  assert.deepEqual(selectorOf(moved, { envFiles: ['mine.env'] }).envFiles, ['mine.env']);
  assert.deepEqual(
    selectorOf(moved, { projectDirectory: '/w', envFiles: [] }).envFiles,
    [],
    'with --project-directory at the .env, Compose finds it itself',
  );
});
