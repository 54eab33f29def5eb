// lib/compose/resolve.ts and dotenv.ts against the real `docker compose config` on generated cases: random
// layouts, global flags, environments and `.env` files (with `${VAR}` in their values), each resolved by
// cilo and by Compose, which must agree on the project name, the files loaded and the interpolated values.
// The cases come from a seed (CILO_RULES_SEED to replay one; a failure names its seed and case).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BASE_NAMES, OVERRIDE_NAMES, resolveProject } from '../../lib/compose/resolve.ts';
import { interpolate } from '../../lib/compose/dotenv.ts';
import { parseGlobalFlags } from '../../lib/compose/global-flags.ts';
import { requireCompose, tempDir } from '../helpers.ts';

const SEED = Number(process.env.CILO_RULES_SEED || 20261207);
const CASES = 60;

/** mulberry32: a small seeded generator, so a failing case can be replayed. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    chance: (p: number) => next() < p,
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    some: <T>(xs: readonly T[]): T[] => xs.filter(() => next() < 0.5),
  };
}
type Random = ReturnType<typeof random>;

/** Values every service prints back, interpolated by Compose from the environment and the env files. */
const PROBES = { G: '${GREETING:-none}', S: '${SINGLE:-none}', N: '${NAME_VAR-unset}' };

const composeText = (service: string, name?: string) =>
  `${name ? `name: ${name}\n` : ''}services:\n  ${service}:\n    image: busybox\n    environment:\n` +
  Object.entries(PROBES)
    .map(([k, v]) => `      ${k}: "${v}"\n`)
    .join('');

/** `.env` lines, in a random order: later ones may refer to earlier ones, and to the environment. */
const DOTENV_LINES = [
  'PREFIX=fromdot',
  'NAME_VAR=dotname',
  'COMPOSE_PROJECT_NAME=${PREFIX:-pre}-dotenv',
  'GREETING="hi ${WHO:-world}, ${PREFIX}"',
  "SINGLE='lit ${WHO}'",
  'export WHO=there # a comment',
  'WHO=${WHO}-again',
  'EMPTY=',
  'GREETING=${EMPTY:-was empty} ${NAME_VAR-}',
];

interface Case {
  root: string;
  cwd: string;
  argv: string[];
  env: Record<string, string>;
}

/** A layout under `root` (a project, a subdirectory, another project) and a command line in it. */
function generate(r: Random, root: string): Case {
  const proj = join(root, 'proj');
  const other = join(root, 'other');
  mkdirSync(join(proj, 'sub', 'deep'), { recursive: true });
  mkdirSync(other, { recursive: true });
  const name = () => r.pick([undefined, 'fromfile', '${NAME_VAR}', '${NAME_VAR:-dflt}', 'My_App', '${PREFIX-x}y']);
  writeFileSync(join(proj, r.pick(BASE_NAMES)), composeText('s_base', name()));
  if (r.chance(0.5)) writeFileSync(join(proj, r.pick(OVERRIDE_NAMES)), composeText('s_override', name()));
  writeFileSync(join(proj, 'extra.yaml'), composeText('s_extra', name()));
  writeFileSync(join(other, 'compose.yaml'), composeText('s_other', name()));
  for (const dir of [proj, other])
    if (r.chance(0.7))
      writeFileSync(join(dir, '.env'), [...r.some(DOTENV_LINES)].sort(() => (r.chance(0.5) ? 1 : -1)).join('\n'));
  writeFileSync(join(root, 'alt.env'), r.some(DOTENV_LINES).join('\n'));

  const cwd = r.pick([proj, join(proj, 'sub', 'deep'), other]);
  const argv: string[] = [];
  if (r.chance(0.3)) argv.push('-f', relative(cwd, join(proj, 'extra.yaml')));
  if (r.chance(0.2)) argv.push('-f', join(other, 'compose.yaml'));
  if (r.chance(0.2)) argv.push('-p', r.pick(['flagname', 'a-b_c']));
  if (r.chance(0.2)) argv.push('--project-directory', relative(cwd, r.pick([proj, other])) || '.');
  if (r.chance(0.15)) argv.push('--env-file', join(root, 'alt.env'));
  const env: Record<string, string> = {};
  if (r.chance(0.2)) env.COMPOSE_PROJECT_NAME = 'fromenv';
  if (r.chance(0.3)) env.WHO = 'env-who';
  if (r.chance(0.2)) env.PREFIX = 'envpre';
  if (r.chance(0.15)) env.COMPOSE_FILE = `${join(proj, 'extra.yaml')}:${join(other, 'compose.yaml')}`;
  return { root, cwd, argv, env };
}

interface Answer {
  name?: string;
  services: Record<string, Record<string, string>>;
}

/** What Compose makes of the case: its model, or no project when it finds no file. */
function composeAnswer(c: Case): Promise<Answer> {
  return new Promise((resolve, reject) =>
    execFile(
      'docker',
      ['compose', ...c.argv, 'config', '--format', 'json'],
      { cwd: c.cwd, env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/root', ...c.env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        if (!err) {
          const model = JSON.parse(stdout) as {
            name: string;
            services: Record<string, { environment: Record<string, string> }>;
          };
          // `config` writes a literal $ as $$ (its output is a compose file again).
          const literal = (env: Record<string, string>) =>
            Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replaceAll('$$', '$')]));
          const services = Object.fromEntries(
            Object.entries(model.services).map(([k, s]) => [k, literal(s.environment)]),
          );
          resolve({ name: model.name, services });
        } else if (/no configuration file provided/.test(stderr)) resolve({ services: {} });
        else if (/project name must not be empty/.test(stderr)) resolve({ name: '', services: {} });
        else reject(new Error(`docker compose config failed: ${stderr}`));
      },
    ),
  );
}

/** What cilo makes of it: the name, the files' services, the probes interpolated with its variables. */
function ciloAnswer(c: Case): Answer {
  const project = resolveProject(parseGlobalFlags([...c.argv, 'config']), c.cwd, c.env);
  if (!project) return { services: {} };
  if (!project.name) return { name: '', services: {} };
  const values = Object.fromEntries(Object.entries(PROBES).map(([k, v]) => [k, interpolate(v, project.vars)]));
  const services = project.files.map((f) => /services:\n {2}(\w+):/.exec(project.texts.get(f) ?? '')?.[1]);
  return { name: project.name, services: Object.fromEntries(services.map((s) => [s, values])) };
}

test(`cilo's Compose rules agree with docker compose config on ${CASES} generated cases`, async (t) => {
  requireCompose(t);
  const r = random(SEED);
  const cases = Array.from({ length: CASES }, () => generate(r, tempDir(t, 'cilo-rules-')));
  // Four Compose processes at a time: each case has its own directory.
  for (let i = 0; i < cases.length; i += 4)
    await Promise.all(
      cases.slice(i, i + 4).map(async (c, j) => {
        assert.deepEqual(
          ciloAnswer(c),
          await composeAnswer(c),
          `seed ${SEED}, case ${i + j}: in ${relative(c.root, c.cwd)}: docker compose ${c.argv.join(' ')} ` +
            `config, env ${JSON.stringify(c.env)}`,
        );
      }),
    );
});
