// Layouts of compose projects for the shell front's tests: how to build one in a temp dir, and what the front
// (the real dist/cilo-compose under dash) and the shim's decide() each make of a command line there.
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { decide } from '../../lib/shim/main.ts';
import { BIN_SHIM, tempDir } from '../helpers.ts';

export const XCILO = 'x-cilo: {}\nservices:\n  app:\n    image: x\n';
export const PLAIN = 'services:\n  app:\n    image: x\n';

/** A state file registering environments of these names. */
export const state = (...names: string[]) =>
  JSON.stringify(
    {
      version: 2,
      subnet_counter: names.length,
      hosts: {
        local: {
          environments: Object.fromEntries(
            names.map((n) => [
              `p/${n}`,
              {
                name: n,
                project: 'p',
                created_at: '',
                subnet: '10.224.0.0/24',
                status: 'stopped',
                source: '/x',
                services: {},
                shared_networks: [],
              },
            ]),
          ),
        },
      },
      shared_networks: {},
    },
    null,
    2,
  );

export interface Layout {
  name: string;
  /** Files under the root (a value of null: a directory; a value starting with '->': a symlink to it). */
  files: Record<string, string | null>;
  /** Where the command runs, relative to the root (the logical path: symlinks are not resolved). */
  cwd?: string;
  argv?: string[];
  env?: Record<string, string>;
  /** Drop HOME from the environment. */
  noHome?: boolean;
  /** The front may hand over although decide() passes through (the conservative cases). */
  conservative?: boolean;
}

/** A `docker` and a `node` that print who was started, first on PATH. */
export function fakes(t: TestContext): string {
  const dir = tempDir(t, 'cilo-front-fakes-');
  writeFileSync(join(dir, 'docker'), '#!/bin/sh\necho plain\n', { mode: 0o755 });
  writeFileSync(join(dir, 'node'), '#!/bin/sh\necho shim\n', { mode: 0o755 });
  return dir;
}

export function build(t: TestContext, l: Layout): string {
  const root = tempDir(t, 'cilo-front-');
  for (const [f, text] of Object.entries(l.files)) {
    const p = join(root, f);
    mkdirSync(join(p, '..'), { recursive: true });
    if (text === null) mkdirSync(p);
    else if (text.startsWith('->')) symlinkSync(text.slice(2), p);
    else writeFileSync(p, text);
  }
  return root;
}

/** What the front started for the layout's command line ('plain' or 'shim'), and what decide() says. */
export async function frontAndShim(
  t: TestContext,
  fakeBin: string,
  l: Layout,
): Promise<{ front: string; node: string }> {
  const root = build(t, l);
  const cwd = join(root, l.cwd ?? '');
  // TMPDIR: where the front leaves the environment for the shim (the fake node never takes it).
  const env: NodeJS.ProcessEnv = {
    PATH: `${fakeBin}:/usr/bin:/bin`,
    PWD: cwd,
    TMPDIR: root,
    ...(l.noHome ? {} : { HOME: join(root, 'home') }),
  };
  for (const [k, v] of Object.entries(l.env ?? {})) env[k] = v.startsWith('@/') ? join(root, v.slice(2)) : v;
  const argv = l.argv ?? ['ps'];
  const front = execFileSync('env', ['-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), BIN_SHIM, ...argv], {
    cwd,
    encoding: 'utf8',
  }).trim();
  const home = env.CILO_HOME || join(env.HOME ?? '/nonexistent', '.cilo');
  const node = (await decide(argv, cwd, env, home, () => undefined)).mode;
  return { front, node };
}
