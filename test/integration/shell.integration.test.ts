// `cilo shell-init` and `cilo completion` in real bash, zsh and fish (Debian's packages, installed by
// scripts/setup-host.sh), against the real engine: `docker ps` stays Docker's, `docker compose version`
// goes through cilo-compose unchanged, a cilo project's `docker compose up -d` is isolated; completion of
// cilo's commands and names, and of cilo-compose as docker compose completes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { execa } from 'execa';
import {
  BIN_CILO,
  cilo,
  ciloEnv,
  docker,
  dockerLines,
  FIXTURES,
  removeDockerObjects,
  requireDocker,
  uniqueName,
} from '../helpers.ts';

const TINY = join(FIXTURES, 'tiny');
const WEBAPP = join(FIXTURES, 'webapp');

/** Runs `script` in `shell` after the init code (as a user's rc file would), in `cwd`. */
async function inShell(shell: string, init: string, script: string, cwd: string, env: NodeJS.ProcessEnv) {
  const source = shell === 'fish' ? `${init} | source` : `eval "$(${init})"`;
  const r = await execa(shell, ['-c', `${source}\n${script}`], {
    cwd,
    env,
    extendEnv: false,
    reject: false,
    timeout: 120_000,
  });
  return { code: r.exitCode, out: String(r.stdout), err: String(r.stderr) };
}

for (const shell of ['bash', 'zsh', 'fish']) {
  test(`${shell}: docker compose through cilo-compose, every other docker command untouched`, async (t) => {
    if (!requireDocker(t)) return;
    const ce = await ciloEnv(t, { CILO_DNS: 'off' });
    const name = uniqueName(`sh${shell[0]}`);
    t.after(() => removeDockerObjects(name));
    const init = `${BIN_CILO} shell-init ${shell}`;
    const status = shell === 'fish' ? '$status' : '$?';
    const ps = await inShell(
      shell,
      init,
      `docker ps --format "{{.ID}}" --filter label=cilo.none; echo "ps:${status}"; type docker | head -1`,
      TINY,
      ce.env,
    );
    assert.match(ps.out, /ps:0/, ps.err);
    assert.match(ps.out, /docker is a (shell )?function|function docker/, `${shell} has the function: ${ps.out}`);
    const plainVersion = docker(['compose', 'version']).trim();
    const version = await inShell(shell, init, 'docker compose version', TINY, ce.env);
    assert.equal(version.out.trim(), plainVersion, version.err);
    const up = await inShell(
      shell,
      init,
      `docker compose -p ${name} up -d; echo "up:${status}"; docker-compose -p ${name} ps --format '{{.Name}}'`,
      TINY,
      ce.env,
    );
    assert.match(up.out, /up:0/, up.err);
    assert.match(up.out, new RegExp(`${name}-app-1`));
    assert.deepEqual(
      dockerLines(['network', 'ls', '--format', '{{.Name}}', '--filter', `name=^cilo-${name}$`]),
      [`cilo-${name}`],
      'it ran as a cilo environment',
    );
    const exit = await inShell(shell, init, 'docker compose -f /nonexistent.yaml config', TINY, ce.env);
    assert.notEqual(exit.code, 0, "Compose's failure is the shell's status");
    assert.equal((await cilo(['destroy', name], { env: ce.env })).exitCode, 0);
  });

  test(`${shell}: completion of cilo and of cilo-compose`, async (t) => {
    if (!requireDocker(t)) return;
    const ce = await ciloEnv(t, { CILO_DNS: 'off' });
    const name = uniqueName('cmp');
    assert.equal((await cilo(['create', name, '--from', TINY], { env: ce.env })).exitCode, 0);
    const init = `${BIN_CILO} completion ${shell}`;
    const probe: Record<string, string> = {
      bash: 't() { COMP_LINE="$1"; COMP_POINT=${#COMP_LINE}; _cilo_complete; printf "%s\\n" "${COMPREPLY[@]}"; }',
      zsh: 'compadd() { [[ $1 == -- ]] && shift; print -l -- "$@"; }; t() { words=("${(@s: :)1}"); CURRENT=${#words}; _cilo_complete; }',
      fish: 'function t; complete -C $argv[1] | string replace -r "\\t.*" ""; end',
    };
    const run = async (line: string) =>
      (await inShell(shell, init, `${probe[shell]}\nt '${line}'`, WEBAPP, ce.env)).out.split('\n').filter(Boolean);
    assert.deepEqual(await run('cilo sta'), ['status']);
    assert.deepEqual(await run('cilo up '), [name]);
    assert.ok((await run('cilo dns ')).includes('setup'));
    assert.deepEqual(
      (await run('cilo-compose logs ')).sort(),
      ['api', 'web', 'worker'],
      "docker compose's own completion of the project's services",
    );
    assert.ok((await run('cilo-compose up --bu')).includes('--build'));
  });
}
