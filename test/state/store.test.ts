// lib/state/store.ts: lock-free reads, atomic writes, and the one locked read-modify-write entry point.
// The last tests are process-level: many real processes updating one state file at once, and a lock
// holder killed with SIGKILL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { checkHomeOwner, ensureHome, readState, updateState, writeFileAtomic } from '../../lib/state/store.ts';
import { parseState, StateFileError } from '../../lib/state/migrate.ts';
import { UserError } from '../../lib/errors/index.ts';
import { emptyState, localEnvironments, type Environment, type State } from '../../lib/state/schema.ts';
import { stateFile } from '../../lib/state/paths.ts';
import { ROOT, tempDir, rejection } from '../helpers.ts';

const WORKER = join(import.meta.dirname, 'fixtures', 'state-worker.mjs');

/** A CILO_HOME path that does not exist yet. */
const freshHome = (t: TestContext) => join(tempDir(t), 'home');

const mode = (p: string) => statSync(p).mode & 0o777;

function sampleEnv(name: string): Environment {
  return {
    name,
    project: 'shop',
    created_at: '2024-01-01T00:00:00.000Z',
    subnet: '10.224.0.0/24',
    status: 'created',
    source: '/src',
    services: {},
    shared_networks: [],
  };
}

test('readState of a missing file is the empty state, and creates nothing', (t) => {
  const h = freshHome(t);
  assert.deepEqual(readState(h), emptyState());
  assert.equal(existsSync(h), false);
});

test('updateState creates $CILO_HOME 0700 and writes state.json 0600 with the mutated state', async (t) => {
  const h = freshHome(t);
  const result = await updateState(h, (s) => {
    s.subnet_counter = 3;
    localEnvironments(s)['shop/dev'] = sampleEnv('dev');
    return 'the result';
  });
  assert.equal(result, 'the result', "mutate's return value is returned");
  assert.equal(mode(h), 0o700);
  assert.equal(mode(stateFile(h)), 0o600);
  const text = readFileSync(stateFile(h), 'utf8');
  const expected: State = emptyState();
  expected.subnet_counter = 3;
  expected.revision = 1;
  localEnvironments(expected)['shop/dev'] = sampleEnv('dev');
  assert.deepEqual(JSON.parse(text), expected);
  assert.ok(text.endsWith('\n'));
  assert.deepEqual(readState(h), expected);
});

test('each write replaces the file by rename (new inode), never in place', async (t) => {
  const h = freshHome(t);
  await updateState(h, (s) => void (s.subnet_counter = 1));
  const ino1 = statSync(stateFile(h)).ino;
  await updateState(h, (s) => void (s.subnet_counter = 2));
  const ino2 = statSync(stateFile(h)).ino;
  assert.notEqual(ino1, ino2);
  assert.equal(readState(h).subnet_counter, 2);
});

test('a mutate that changes nothing writes nothing', async (t) => {
  const h = freshHome(t);
  await updateState(h, () => undefined);
  assert.equal(existsSync(stateFile(h)), false, 'no file for an unchanged empty state');
  await updateState(h, (s) => void (s.subnet_counter = 1));
  const st = statSync(stateFile(h));
  await updateState(h, (s) => void (s.subnet_counter = 1)); // same value
  const st2 = statSync(stateFile(h));
  assert.equal(st2.ino, st.ino);
  assert.equal(st2.mtimeMs, st.mtimeMs);
});

test('when mutate throws, the error propagates and the bytes on disk are unchanged', async (t) => {
  const h = freshHome(t);
  await updateState(h, (s) => void (s.subnet_counter = 7));
  const before = readFileSync(stateFile(h));
  const ino = statSync(stateFile(h)).ino;
  const err = await rejection(
    updateState(h, (s) => {
      s.subnet_counter = 8;
      localEnvironments(s)['shop/x'] = sampleEnv('x');
      throw new Error('refused half-way');
    }),
  );
  assert.equal(err.message, 'refused half-way');
  assert.deepEqual(readFileSync(stateFile(h)), before);
  assert.equal(statSync(stateFile(h)).ino, ino);
  assert.deepEqual(readdirSync(h).sort(), ['state.json', 'state.lock']);
});

test('no temp files are left behind after many updates', async (t) => {
  const h = freshHome(t);
  for (let i = 0; i < 30; i++) await updateState(h, (s) => void (s.subnet_counter += 1));
  assert.deepEqual(readdirSync(h).sort(), ['state.json', 'state.lock']);
  assert.equal(readState(h).subnet_counter, 30);
});

for (const [what, content, re] of [
  ['a corrupt', '{"version": 2, "hosts": {', /not valid JSON/],
  ['a future-version', JSON.stringify({ ...emptyState(), version: 3, subnet_counter: 9 }, null, 2), /version 3/],
] as const) {
  test(`${what} state.json: updateState throws naming the file, never calls mutate, leaves the bytes alone`, async (t) => {
    const h = freshHome(t);
    mkdirSync(h, { mode: 0o700 });
    writeFileSync(stateFile(h), content, { mode: 0o600 });
    const before = readFileSync(stateFile(h));
    const mtime = statSync(stateFile(h)).mtimeMs;
    let called = false;
    const err = await rejection(
      updateState(h, (s) => {
        called = true;
        s.subnet_counter = 100;
      }),
    );
    assert.ok(err instanceof StateFileError, `a StateFileError, got ${err}`);
    assert.ok(err.message.includes(stateFile(h)), `names the file: ${err.message}`);
    assert.match(err.message, re);
    assert.equal(called, false);
    assert.deepEqual(readFileSync(stateFile(h)), before);
    assert.equal(statSync(stateFile(h)).mtimeMs, mtime);
    assert.throws(() => readState(h), StateFileError, 'readState refuses it too');
    assert.deepEqual(readdirSync(h).sort(), ['state.json', 'state.lock']);
  });
}

test('a v1 file is migrated in memory; it is rewritten as v2 only by an update', async (t) => {
  const h = freshHome(t);
  mkdirSync(h, { mode: 0o700 });
  const v1 = JSON.stringify({ version: 1, subnet_counter: 2, environments: { dev: sampleEnv('dev') } });
  writeFileSync(stateFile(h), v1);
  assert.equal(readState(h).version, 2);
  assert.equal(readFileSync(stateFile(h), 'utf8'), v1, 'reading does not rewrite');
  await updateState(h, (s) => void (s.subnet_counter += 1));
  const onDisk = JSON.parse(readFileSync(stateFile(h), 'utf8'));
  assert.equal(onDisk.version, 2);
  assert.equal(onDisk.subnet_counter, 3);
  assert.deepEqual(Object.keys(onDisk.hosts.local.environments), ['shop/dev']);
  assert.deepEqual(onDisk.shared_networks, {});
  assert.equal(onDisk.environments, undefined);
});

test('writeFileAtomic: full replacement, mode, a target elsewhere, no leftovers', (t) => {
  const dir = tempDir(t);
  const f = join(dir, 'f.txt');
  writeFileAtomic(f, 'a long first content\n');
  writeFileAtomic(f, 'short');
  assert.equal(readFileSync(f, 'utf8'), 'short', 'no trailing bytes of the old content');
  assert.equal(mode(f), 0o600);
  const staging = join(dir, 'staging');
  const out = join(dir, 'out');
  mkdirSync(staging);
  mkdirSync(out);
  writeFileAtomic(join(staging, 'x'), 'hello', { mode: 0o644, target: join(out, 'x') });
  assert.equal(readFileSync(join(out, 'x'), 'utf8'), 'hello');
  assert.equal(mode(join(out, 'x')), 0o644);
  assert.deepEqual(readdirSync(staging), []);
  assert.deepEqual(readdirSync(dir).sort(), ['f.txt', 'out', 'staging']);
});

test('writeFileAtomic into a missing directory throws and leaves nothing', (t) => {
  const dir = tempDir(t);
  assert.throws(() => writeFileAtomic(join(dir, 'missing', 'f'), 'x'), /ENOENT/);
  assert.deepEqual(readdirSync(dir), []);
});

test('ensureHome is idempotent', (t) => {
  const h = freshHome(t);
  ensureHome(h);
  ensureHome(h);
  assert.equal(mode(h), 0o700);
});

// ---- process level ----

function distIsBuilt(): void {
  for (const m of ['store', 'lock', 'schema', 'paths']) {
    const js = join(ROOT, 'dist', 'state', `${m}.js`);
    const ts = join(ROOT, 'lib', 'state', `${m}.ts`);
    assert.ok(existsSync(js), `${js} is missing: run npx tsc -p tsconfig.json first`);
    assert.ok(
      statSync(js).mtimeMs >= statSync(ts).mtimeMs,
      `${js} is older than ${ts}: run npx tsc -p tsconfig.json first`,
    );
  }
}

function runWorker(t: TestContext, args: string[]): ChildProcess {
  const child = spawn(process.execPath, [WORKER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  (child as ChildProcess & { errText: () => string }).errText = () => err;
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return child;
}

function firstLine(child: ChildProcess, prefix: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const line = buf.split('\n').find((l) => l.startsWith(prefix));
      if (line) resolve(line);
    });
    child.on('exit', (code, sig) => reject(new Error(`worker exited (${code ?? sig}) before "${prefix}": ${buf}`)));
  });
}

const exitOf = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.exitCode !== null || child.signalCode !== null
      ? r({ code: child.exitCode, signal: child.signalCode })
      : child.once('exit', (code, signal) => r({ code, signal })),
  );

test(
  '20 processes x 25 locked read-increment-write updates lose nothing; lock-free readers never see a torn file',
  { timeout: 60_000 },
  async (t) => {
    distIsBuilt();
    const h = freshHome(t);
    ensureHome(h);
    const WORKERS = 20;
    const EACH = 25;
    const children = Array.from({ length: WORKERS }, (_, i) => runWorker(t, ['increment', h, `w${i}`, String(EACH)]));
    await Promise.all(children.map((c) => firstLine(c, 'ready')));
    writeFileSync(join(h, 'go'), ''); // the start barrier: all of them race from here
    const done = Promise.all(children.map(exitOf));

    // Meanwhile, read without the lock as `cilo list` does: every read must parse, and the count never goes back.
    let reads = 0;
    let last = 0;
    let finished = false;
    void done.then(() => (finished = true));
    while (!finished) {
      const s = readState(h);
      assert.ok(s.subnet_counter >= last, `counter went back from ${last} to ${s.subnet_counter}`);
      last = s.subnet_counter;
      reads++;
      await new Promise((r) => setTimeout(r, 2));
    }
    const exits = await done;
    exits.forEach((e, i) =>
      assert.deepEqual(
        e,
        { code: 0, signal: null },
        `worker ${i}: ${(children[i] as ChildProcess & { errText: () => string }).errText()}`,
      ),
    );

    const final = readState(h) as State & { per_worker: Record<string, number> };
    assert.equal(final.subnet_counter, WORKERS * EACH);
    assert.deepEqual(final.per_worker, Object.fromEntries(Array.from({ length: WORKERS }, (_, i) => [`w${i}`, EACH])));
    assert.ok(reads > 5, `the reader ran during the updates (${reads} reads)`);
    assert.deepEqual(readdirSync(h).sort(), ['go', 'state.json', 'state.lock'], 'no temp files left');
    assert.equal(mode(stateFile(h)), 0o600);
  },
);

test(
  'a lock holder killed with SIGKILL does not block the next writer; the state still parses',
  { timeout: 30_000 },
  async (t) => {
    distIsBuilt();
    const h = freshHome(t);
    await updateState(h, (s) => {
      s.subnet_counter = 41;
      localEnvironments(s)['shop/dev'] = sampleEnv('dev');
    });
    const before = readFileSync(stateFile(h));

    const holder = runWorker(t, ['hold', h]);
    await firstLine(holder, 'locked');
    // It really holds the lock: a writer cannot get in.
    await assert.rejects(
      updateState(h, () => undefined, { timeoutMs: 200 }),
      /timed out/,
    );

    holder.kill('SIGKILL');
    assert.deepEqual(await exitOf(holder), { code: null, signal: 'SIGKILL' });

    assert.deepEqual(readFileSync(stateFile(h)), before, 'the killed holder wrote nothing');
    // with a dead holder still blocking, this would time out
    await updateState(h, (s) => void (s.subnet_counter += 1), { timeoutMs: 2000 });
    const after = parseState(readFileSync(stateFile(h), 'utf8'), stateFile(h));
    assert.equal(after.subnet_counter, 42, "the killed holder's half-done update never landed");
    assert.deepEqual(Object.keys(localEnvironments(after)), ['shop/dev']);
    assert.deepEqual(readdirSync(h).sort(), ['state.json', 'state.lock']);
  },
);

test('every write counts one revision; an update that changes nothing writes nothing and counts none', async (t) => {
  const h = freshHome(t);
  await updateState(h, (s) => void (s.subnet_counter = 1));
  await updateState(h, (s) => void (s.subnet_counter = 1));
  assert.equal(readState(h).revision, 1);
  const returned = await updateState(h, (s) => {
    s.subnet_counter = 2;
    return s;
  });
  assert.equal(returned.revision, 2, 'the state a mutate returns carries the revision it was written with');
  assert.equal(readState(h).revision, 2);
});

test("CILO_HOME must be the user's own and writable by nobody else", () => {
  checkHomeOwner('/h', { uid: 1000, mode: 0o40700 }, 1000);
  checkHomeOwner('/h', { uid: 1000, mode: 0o40755 }, 1000);
  assert.throws(
    () => checkHomeOwner('/h', { uid: 1001, mode: 0o40700 }, 1000),
    (e: unknown) => e instanceof UserError && /belongs to uid 1001, not to you \(uid 1000\)/.test(e.message),
  );
  assert.throws(
    () => checkHomeOwner('/h', { uid: 1000, mode: 0o40777 }, 1000),
    (e: unknown) => e instanceof UserError && /mode 777/.test(e.message) && /chmod go-w \/h/.test(e.hint ?? ''),
  );
});
