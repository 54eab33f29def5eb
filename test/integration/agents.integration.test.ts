// What agents ask of cilo, on the real engine: a fork with its data (and what it cannot copy), a copy per git
// worktree, and the garbage collection of what killed agents leave.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import type { EnvironmentView } from '../../lib/views/views.ts';
import {
  BIN_CILO,
  FIXTURES,
  cilo,
  ciloEnv,
  composeContainers,
  containerOf,
  docker,
  dockerLines,
  engineIsPodman,
  requireDocker,
  tempDir,
  uniqueName,
  type CiloEnv,
} from '../helpers.ts';

const DATA = join(FIXTURES, 'data');
const TINY = join(FIXTURES, 'tiny');

async function ok(ce: CiloEnv, args: string[]): Promise<string> {
  const r = await cilo(args, { env: ce.env });
  assert.equal(r.exitCode, 0, `cilo ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const inStore = (env: string, script: string) => docker(['exec', containerOf(env, 'store'), 'sh', '-c', script]);
const stateBytes = (ce: CiloEnv) => readFileSync(join(ce.home, 'state.json'));
const running = (env: string) =>
  dockerLines(['inspect', '--format', '{{.State.Status}}', containerOf(env, 'store')]).join();

test('fork: 100 MB and a marker copied from a running source, which runs on; the copies are independent', async (t) => {
  if (!requireDocker(t)) return;
  const ce = await ciloEnv(t, { CILO_DNS: 'off' });
  const [src, fork] = [uniqueName('src'), uniqueName('fork')];
  await ok(ce, ['create', src, '--from', DATA]);
  await ok(ce, ['up', src]);
  const sum = inStore(
    src,
    'dd if=/dev/urandom of=/data/blob bs=1M count=100 2>/dev/null && echo marker > /data/marker && chown 1234:1234 /data/marker && md5sum /data/blob',
  ).split(' ')[0];

  const forked = JSON.parse(await ok(ce, ['fork', src, fork, '--json'])) as Record<string, unknown>;
  assert.deepEqual(forked.copied_volumes, [{ key: 'data', from: `${src}_data`, to: `${fork}_data` }]);
  assert.equal(forked.source_paused, true);
  assert.equal(forked.forked_from, `data/${src}`);
  assert.equal(running(src), 'running', 'the source runs again after the copy (unpaused)');
  assert.deepEqual(
    dockerLines(['ps', '-aq', '--filter', `label=cilo.env=${fork}`, '--filter', 'name=cilo-fork-']),
    [],
    "the copy's containers are gone",
  );

  await ok(ce, ['up', fork]);
  assert.equal(inStore(fork, 'cat /data/marker'), 'marker\n');
  // Podman's archive API gives every file to root (docs/DESIGN.md §12).
  if (!engineIsPodman()) assert.equal(inStore(fork, 'stat -c %u /data/marker'), '1234\n', 'the owner is kept');
  assert.equal(inStore(fork, 'md5sum /data/blob').split(' ')[0], sum, 'the 100 MB arrived whole');
  inStore(fork, 'echo fork > /data/only-in-fork && rm /data/marker');
  assert.equal(inStore(src, 'ls /data'), 'blob\nmarker\n', "the fork's writes are its own");
  inStore(src, 'echo src > /data/only-in-src');
  assert.equal(inStore(fork, 'ls /data'), 'blob\nonly-in-fork\n', "and the source's are its own");

  await ok(ce, ['destroy', src]);
  assert.equal(inStore(fork, 'md5sum /data/blob').split(' ')[0], sum, 'the fork outlives its source');
});

test('fork: bind mounts and external volumes are listed, and shared or skipped as asked, never silently', async (t) => {
  if (!requireDocker(t)) return;
  const ce = await ciloEnv(t, { CILO_DNS: 'off' });
  const dir = tempDir(t);
  mkdirSync(join(dir, 'host'));
  writeFileSync(join(dir, 'host', 'f'), 'from the host\n');
  cpSync(join(TINY, 'compose.yaml'), join(dir, 'compose.yaml'));
  writeFileSync(
    join(dir, 'compose.override.yaml'),
    'services:\n  app:\n    volumes: ["./host:/host", "data:/data"]\nvolumes:\n  data: {}\n',
  );
  const [src, shared, skipped] = [uniqueName('bsrc'), uniqueName('bsh'), uniqueName('bsk')];
  await ok(ce, ['create', src, '--from', dir]);
  await ok(ce, ['up', src]);

  const before = stateBytes(ce);
  const refused = await cilo(['fork', src, shared], { env: ce.env });
  assert.equal(refused.exitCode, 1);
  assert.match(refused.stderr, /cannot copy: app:\/host \(bind .*\/host\)/);
  assert.match(refused.stderr, /--uncopied share .* --uncopied skip/);
  assert.deepEqual(stateBytes(ce), before, 'a refused fork changes nothing');
  assert.deepEqual(dockerLines(['volume', 'ls', '-q', '--filter', `name=${shared}`]), []);

  const sh = JSON.parse(await ok(ce, ['fork', src, shared, '--uncopied', 'share', '--json'])) as Record<
    string,
    unknown
  >;
  assert.deepEqual(sh.uncopied, [
    { service: 'app', target: '/host', kind: 'bind', source: join(dir, 'host'), fork_uses: 'shared' },
  ]);
  await ok(ce, ['fork', src, skipped, '--uncopied', 'skip']);
  await ok(ce, ['up', shared]);
  await ok(ce, ['up', skipped]);
  const app = (env: string, cmd: string) => docker(['exec', containerOf(env, 'app'), 'sh', '-c', cmd]);
  assert.equal(app(shared, 'cat /host/f'), 'from the host\n');
  assert.equal(app(skipped, 'ls -A /host | wc -l').trim(), '0', 'skip: an empty volume at /host');
  const volumes = dockerLines([
    'inspect',
    '--format',
    '{{range .Mounts}}{{.Type}} {{.Destination}};{{end}}',
    containerOf(skipped, 'app'),
  ]);
  assert.match(volumes.join(), /volume \/host;/);
});

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.email=t@example.invalid', '-c', 'user.name=t', ...args], {
    cwd,
    encoding: 'utf8',
  });
}

test('worktree: create adds one, list shows the branch, destroy removes a clean one and refuses a dirty one', async (t) => {
  if (!requireDocker(t)) return;
  const ce = await ciloEnv(t, { CILO_DNS: 'off' });
  const repo = join(tempDir(t), 'shop');
  mkdirSync(join(repo, 'deploy'), { recursive: true });
  cpSync(join(TINY, 'compose.yaml'), join(repo, 'deploy', 'compose.yaml'));
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '.');
  git(repo, 'commit', '-qm', 'init');
  const [one, two] = [uniqueName('wa'), uniqueName('wb')];

  await ok(ce, ['create', one, '--worktree', 'feature/one', '--from', join(repo, 'deploy')]);
  git(repo, 'branch', 'existing');
  await ok(ce, ['create', two, '--worktree', 'existing', '--from', join(repo, 'deploy')]);
  const list = JSON.parse(await ok(ce, ['list', '--json'])) as { environments: EnvironmentView[] };
  const wt = (n: string) => list.environments.find((e) => e.name === n)!;
  assert.equal(wt(one).worktree?.branch, 'feature/one');
  assert.equal(wt(two).worktree?.branch, 'existing');
  assert.equal(wt(one).source, join(wt(one).worktree!.path, 'deploy'), 'registered from the project inside it');
  assert.equal(wt(one).project, 'deploy');
  assert.match(await ok(ce, ['list']), new RegExp(`BRANCH[\\s\\S]*${one}.*feature/one`));
  await ok(ce, ['up', one]);
  assert.equal(composeContainers(one).length, 1);

  // Dirty: refused before anything changes.
  writeFileSync(join(wt(one).worktree!.path, 'notes.txt'), 'work in progress\n');
  const before = stateBytes(ce);
  const refused = await cilo(['destroy', one], { env: ce.env });
  assert.equal(refused.exitCode, 1);
  assert.match(refused.stderr, /uncommitted changes: \?\? notes\.txt/);
  assert.deepEqual(stateBytes(ce), before);
  assert.equal(composeContainers(one).length, 1, 'its containers still run');

  git(wt(one).worktree!.path, 'add', '.');
  git(wt(one).worktree!.path, 'commit', '-qm', 'notes');
  const gone = JSON.parse(await ok(ce, ['destroy', one, '--json'])) as Record<string, unknown>;
  assert.equal(gone.worktree_removed, wt(one).worktree!.path);
  assert.equal(existsSync(wt(one).worktree!.path), false);
  assert.match(git(repo, 'branch', '--list', 'feature/one'), /feature\/one/, 'the branch and its commit stay');
  await ok(ce, ['destroy', two, '--keep-worktree']);
  assert.equal(existsSync(wt(two).worktree!.path), true, '--keep-worktree keeps it');
});

test('gc: a running copy stays unless asked; --dry-run lists and changes nothing; gc removes exactly that, a publisher still used stays, one marked keep stays', async (t) => {
  if (!requireDocker(t)) return;
  const ce = await ciloEnv(t, { CILO_DNS: 'off' });
  const [lone, pub, user, kept] = [uniqueName('lone'), uniqueName('pub'), uniqueName('user'), uniqueName('kept')];
  await ok(ce, ['create', lone, '--from', TINY]);
  await ok(ce, ['up', lone]);
  await ok(ce, ['create', pub, '--from', TINY]);
  await ok(ce, ['up', pub, '--create-shared']);
  await ok(ce, ['create', user, '--from', TINY, '--shared-network', `cilo-shared-${pub}`]);
  await ok(ce, ['create', kept, '--from', TINY, '--keep']);
  // `user` was used "in an hour": not idle for any --older-than; the others are idle for 0 s.
  const later = new Date(Date.now() + 3_600_000);
  utimesSync(join(ce.home, 'envs', user, 'used'), later, later);
  type Gc = { removed: { name: string }[]; kept: { name: string; reason: string }[] };
  const gc = async (...args: string[]) =>
    JSON.parse(await ok(ce, ['gc', '--older-than', '0s', ...args, '--json'])) as Gc;
  const keptAs = (r: Gc) => Object.fromEntries(r.kept.map((e) => [e.name, e.reason]));

  // Both running copies stay, whatever their idle time: what runs all weekend is in use.
  const before = stateBytes(ce);
  const running = await gc('--dry-run');
  assert.deepEqual(running.removed, []);
  assert.match(keptAs(running)[lone] ?? '', /1 of its containers run \(--include-running removes it too\)/);
  assert.match(keptAs(running)[pub] ?? '', /1 of its containers run/);
  assert.match(keptAs(running)[kept] ?? '', /marked keep/);
  assert.deepEqual(stateBytes(ce), before, '--dry-run changed nothing');

  await ok(ce, ['down', lone]);
  const downed = stateBytes(ce);
  // On a terminal gc shows the list first and asks; "n" destroys nothing.
  const onTerminal = execFileSync('script', ['-qec', `${BIN_CILO} gc --older-than 0s`, '/dev/null'], {
    env: ce.env,
    input: 'n\n',
    encoding: 'utf8',
  });
  assert.match(onTerminal, new RegExp(`would destroy tiny/${lone}`));
  assert.match(onTerminal, /destroy it\? \[y\/N\][\s\S]*nothing destroyed/);
  assert.deepEqual(stateBytes(ce), downed, 'answered no: nothing changed');
  const dry = await gc('--dry-run');
  assert.deepEqual(
    dry.removed.map((e) => e.name),
    [lone],
  );
  assert.deepEqual(stateBytes(ce), downed, 'still there after --dry-run');
  const done = await gc();
  assert.deepEqual(
    done.removed.map((e) => e.name),
    dry.removed.map((e) => e.name),
    'gc removed what --dry-run listed',
  );
  assert.equal((await cilo(['status', lone], { env: ce.env })).exitCode, 1, 'lone is gone');
  const names = (JSON.parse(await ok(ce, ['list', '--json'])) as { environments: EnvironmentView[] }).environments.map(
    (e) => e.name,
  );
  assert.deepEqual(names.sort(), [kept, pub, user].sort());

  // Once its consumer is idle too, both go with --include-running: the consumer first. `kept` stays.
  const past = new Date(Date.now() - 1000);
  utimesSync(join(ce.home, 'envs', user, 'used'), past, past);
  const all = await gc('--include-running');
  assert.deepEqual(
    all.removed.map((e) => e.name),
    [user, pub],
  );
  assert.match(keptAs(all)[kept] ?? '', /marked keep/);
});
