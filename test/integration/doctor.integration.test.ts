// cilo doctor on the real engine: it finds drift between state and Docker, --fix repairs it, and it never
// touches what belongs to another CILO_HOME or what cilo did not create.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  BIN_CILO,
  cilo,
  ciloCompose,
  ciloEnv,
  docker,
  dockerLines,
  FIXTURES,
  requireDocker,
  sweepEnvironments,
  uniqueName,
} from '../helpers.js';
import { readState, updateState } from '../../lib/state/store.js';
import { localEnvironments } from '../../lib/state/schema.js';
import { homeId } from '../../lib/state/paths.js';

const TINY = join(FIXTURES, 'tiny');

async function doctor(env: NodeJS.ProcessEnv, fix = false) {
  const r = await cilo(['doctor', '--json', ...(fix ? ['--fix'] : [])], { env });
  return {
    code: r.exitCode,
    report: JSON.parse(r.stdout) as {
      ok: boolean;
      findings: { kind: string; subject: string; fixed?: boolean; error?: string }[];
    },
    stderr: r.stderr,
  };
}

test('doctor finds drift, --fix repairs it, and another CILO_HOME and foreign networks are left alone', async (t) => {
  if (!requireDocker(t)) return;
  const mine = await ciloEnv(t, { CILO_DNS: 'off' });
  const theirs = await ciloEnv(t, { CILO_DNS: 'off' });
  const [kept, orphaned, drifting, other] = [
    uniqueName('keep'),
    uniqueName('orph'),
    uniqueName('drift'),
    uniqueName('other'),
  ];
  const foreign = `cilo-${uniqueName('foreign')}`;
  const ghostShared = `cilo-shared-${uniqueName('ghost')}`;
  t.after(() => {
    sweepEnvironments([orphaned]); // removed from state below, so the home's own sweep cannot see it
    for (const n of [foreign, ghostShared]) dockerLines(['network', 'rm', n]);
  });

  for (const n of [kept, orphaned, drifting])
    assert.equal((await ciloCompose(['-p', n, 'up', '-d'], { cwd: TINY, env: mine.env })).exitCode, 0);
  assert.equal((await ciloCompose(['-p', other, 'up', '-d'], { cwd: TINY, env: theirs.env })).exitCode, 0);
  assert.deepEqual((await doctor(mine.env)).report, { ok: true, findings: [] }, 'no drift after plain use');

  // Drift: an environment forgotten by state (its network and container become orphans), a stopped
  // container, a reference to an environment that does not exist, a published network whose publisher is
  // gone, a network cilo did not make, and another home's environment (must not be reported).
  await updateState(mine.home, (s) => {
    const envs = localEnvironments(s);
    const key = Object.keys(envs).find((k) => envs[k]!.name === orphaned)!;
    delete envs[key];
    s.shared_networks['some-net'] = {
      name: 'some-net',
      created_by: 'external',
      created_at: '',
      referenced_by: ['gone/nobody'],
    };
    s.shared_networks[ghostShared] = {
      name: ghostShared,
      created_by: 'gone/ghost',
      created_at: '',
      referenced_by: ['gone/ghost', Object.keys(envs).find((k) => envs[k]!.name === kept)!],
    };
  });
  docker(['stop', '-t', '0', `${drifting}-app-1`]);
  docker([
    'network',
    'create',
    '--label',
    'cilo.managed=true',
    '--label',
    'cilo.env=ghost',
    '--label',
    'cilo.shared=true',
    '--label',
    `cilo.home=${homeId(mine.home)}`,
    ghostShared,
  ]);
  docker(['network', 'create', foreign]);

  const before = await doctor(mine.env);
  assert.equal(before.code, 1, 'exit 1 while there is drift');
  const kinds = before.report.findings.map((f) => `${f.kind} ${f.subject}`).sort();
  assert.deepEqual(
    kinds,
    [
      `dns-stale ${orphaned}`, // its records are still served although state no longer knows it
      `orphan-container ${orphaned}-app-1`,
      `orphan-network cilo-${orphaned}`,
      `orphan-network ${ghostShared}`,
      `publisher-gone ${ghostShared}`,
      `stale-reference ${ghostShared}`, // gone/ghost
      `stale-reference some-net`,
      `status-drift ${Object.keys(localEnvironments(readState(mine.home))).find((k) => k.endsWith(`/${drifting}`))}`,
    ].sort(),
  );
  assert.ok(
    !kinds.some((k) => k.includes(other) || k.includes(foreign)),
    'another home and a foreign network are not reported',
  );

  const fixed = await doctor(mine.env, true);
  assert.ok(
    fixed.report.findings.every((f) => f.fixed),
    JSON.stringify(fixed.report.findings),
  );
  const after = await doctor(mine.env);
  assert.deepEqual(after.report, { ok: true, findings: [] });
  assert.equal(after.code, 0);

  // What --fix did, and did not do.
  assert.deepEqual(dockerLines(['ps', '-aq', '--filter', `label=com.docker.compose.project=${orphaned}`]), []);
  assert.deepEqual(dockerLines(['network', 'ls', '-q', '--filter', `name=^cilo-${orphaned}$`]), []);
  assert.deepEqual(
    dockerLines(['network', 'ls', '-q', '--filter', `label=com.docker.compose.project=${orphaned}`]),
    [],
    "Compose's own network of the orphan",
  );
  assert.deepEqual(dockerLines(['network', 'ls', '-q', '--filter', `name=^${ghostShared}$`]), []);
  assert.equal(
    dockerLines(['network', 'ls', '-q', '--filter', `name=^${foreign}$`]).length,
    1,
    'a network cilo did not create stays',
  );
  assert.equal(
    docker(['inspect', '-f', '{{.State.Running}}', `${other}-app-1`]).trim(),
    'true',
    "the other home's environment still runs",
  );
  assert.equal(dockerLines(['network', 'ls', '-q', '--filter', `name=^cilo-${other}$`]).length, 1);
  const state = readState(mine.home);
  const envs = Object.values(localEnvironments(state));
  assert.equal(envs.find((e) => e.name === drifting)!.status, 'stopped');
  assert.deepEqual(envs.find((e) => e.name === kept)!.broken_shared_networks, [ghostShared]);
  assert.equal(state.shared_networks['some-net'], undefined);
  // The network of the gone publisher is removed; its record stays for the consumer marked broken.
  assert.deepEqual(state.shared_networks[ghostShared]?.referenced_by, [
    Object.keys(localEnvironments(state)).find((k) => k.endsWith(`/${kept}`)),
  ]);
  assert.equal(state.shared_networks[ghostShared]?.subnet, undefined);
});

test('doctor: stale DNS records and an interrupted destroy are repaired', async (t) => {
  if (!requireDocker(t)) return;
  const c = await ciloEnv(t);
  const [a, b] = [uniqueName('dns'), uniqueName('halt')];
  for (const n of [a, b])
    assert.equal((await ciloCompose(['-p', n, 'up', '-d'], { cwd: TINY, env: c.env })).exitCode, 0);
  rmSync(join(c.home, 'dns', 'hosts', a));
  await updateState(c.home, (s) => {
    for (const e of Object.values(localEnvironments(s))) if (e.name === b) e.status = 'destroying';
  });
  const before = await doctor(c.env);
  assert.deepEqual(before.report.findings.map((f) => f.kind).sort(), ['dns-stale', 'stuck-destroying']);
  const fixed = await doctor(c.env, true);
  assert.ok(
    fixed.report.findings.every((f) => f.fixed),
    JSON.stringify(fixed.report.findings),
  );
  assert.deepEqual((await doctor(c.env)).report.findings, []);
  assert.deepEqual(
    dockerLines(['ps', '-aq', '--filter', `label=com.docker.compose.project=${b}`]),
    [],
    'the destroy was finished',
  );
  const render = await cilo(['dns', 'render'], { env: c.env });
  assert.match(render.stdout, new RegExp(`app\\.${a}\\.test`));
});

test('a cilo fork killed mid-copy: doctor finds the paused source and the helpers, --fix unpauses and removes them', async (t) => {
  if (!requireDocker(t)) return;
  const { env } = await ciloEnv(t, { CILO_DNS: 'off' });
  const [src, fork] = [uniqueName('src'), uniqueName('frk')];
  t.after(() => sweepEnvironments([src, fork]));
  assert.equal((await ciloCompose(['-p', src, 'up', '-d'], { env, cwd: join(FIXTURES, 'data') })).exitCode, 0);
  const store = dockerLines(['ps', '-q', '--filter', `label=com.docker.compose.project=${src}`])[0]!;
  // Enough data that the copy (the source paused) lasts a moment.
  docker(['exec', store, 'sh', '-c', 'head -c 209715200 /dev/zero > /data/big']);
  const child = spawn(BIN_CILO, ['fork', src, fork], { env, stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  const paused = () => docker(['inspect', '--format', '{{.State.Paused}}', store]).trim() === 'true';
  for (const deadline = Date.now() + 120_000; !paused(); await new Promise((r) => setTimeout(r, 20))) {
    assert.ok(Date.now() < deadline, 'the fork paused its source within 120 s');
    assert.equal(child.exitCode, null, 'the fork ended before it paused its source: too little data to copy');
  }
  child.kill('SIGKILL'); // a cilo killed outright: nothing of its own can clean up
  await new Promise((r) => child.once('exit', r));
  assert.ok(paused(), 'the source was left paused');

  const found = await doctor(env);
  assert.equal(found.code, 1);
  const kinds = found.report.findings.map((f) => `${f.kind} ${f.subject}`);
  assert.ok(kinds.includes(`paused-container ${src}-store-1`), kinds.join('\n'));
  assert.equal(kinds.filter((k) => k.startsWith('fork-helper cilo-fork-')).length, 2, kinds.join('\n'));
  await doctor(env, true);
  assert.ok(!paused(), 'doctor --fix unpaused the source');
  assert.deepEqual(
    dockerLines(['ps', '-aq', '--filter', 'label=cilo.fork-helper', '--filter', `label=cilo.env=${fork}`]),
    [],
  );
  const after = (await doctor(env)).report.findings.filter((f) => ['paused-container', 'fork-helper'].includes(f.kind));
  assert.deepEqual(after, []);
  for (const n of [fork, src]) assert.equal((await cilo(['destroy', n, '--force'], { env })).exitCode, 0, n);
});
