// `docker cilo <command>` through the real docker CLI: the plugin protocol (metadata, Docker's global
// options before the plugin name), exit codes, install and uninstall.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { execa } from 'execa';
import { cilo, ciloEnv, requireDocker, tempDir } from '../helpers.ts';

test('docker cilo runs cilo: listed by docker, options that pick the engine, exit codes; uninstall removes it', async (t) => {
  if (!requireDocker(t)) return;
  const ce = await ciloEnv(t, { CILO_DNS: 'off' });
  const env = { ...ce.env, DOCKER_CONFIG: join(tempDir(t), 'docker-config') };
  const dockerRun = async (args: string[]) => {
    const r = await execa('docker', args, { env, extendEnv: false, reject: false });
    return { code: r.exitCode, out: String(r.stdout), err: String(r.stderr) };
  };
  assert.notEqual((await dockerRun(['cilo', 'list'])).code, 0, 'not there before install');
  const install = await cilo(['plugin', 'install'], { env });
  assert.equal(install.exitCode, 0, install.stderr);
  assert.match((await dockerRun(['--help'])).out, /cilo\*?\s+Isolated copies of Compose projects/);
  const list = await dockerRun(['cilo', 'list', '--json']);
  assert.equal(list.code, 0, list.err);
  assert.deepEqual(JSON.parse(list.out), { environments: [] });
  const viaContext = await dockerRun(['--context', 'default', 'cilo', 'list', '--format', 'json']);
  assert.equal(viaContext.code, 0, viaContext.err);
  const missing = await dockerRun(['-H', 'unix:///var/run/docker.sock', 'cilo', 'status', 'nope']);
  assert.equal(missing.code, 1, "cilo's exit code through docker");
  assert.match(missing.err, /^cilo: error: no environment named nope/m);
  const usage = await dockerRun(['cilo', 'frobnicate']);
  assert.equal(usage.code, 2);
  assert.equal((await cilo(['plugin', 'uninstall'], { env })).exitCode, 0);
  assert.notEqual((await dockerRun(['cilo', 'list'])).code, 0, 'gone after uninstall');
});
