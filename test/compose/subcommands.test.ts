// lib/compose/subcommands.ts: Compose's subcommands as cilo reads them: --scale options, `scale` arguments, the
// service of a `run`, and which command lines keep Compose in the foreground.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isAttached,
  needsOf,
  runService,
  scaleArguments,
  scaleOf,
  scaleOptions,
} from '../../lib/compose/subcommands.ts';

test('scaleOptions: --scale svc=N and --scale=svc=N; the last one per service wins', () => {
  assert.deepEqual(scaleOptions([]), {});
  assert.deepEqual(scaleOptions(['-d', '--scale', 'web=3']), { web: 3 });
  assert.deepEqual(scaleOptions(['--scale=worker=2', '--build']), { worker: 2 });
  assert.deepEqual(scaleOptions(['--scale', 'web=3', '--scale=db=1', '--scale', 'web=5']), { web: 5, db: 1 });
  assert.deepEqual(scaleOptions(['--scale', 'web=0']), { web: 0 });
});

test('scaleOptions ignores malformed values and everything after --', () => {
  assert.deepEqual(scaleOptions(['--scale', 'web']), {});
  assert.deepEqual(scaleOptions(['--scale', 'web=x']), {});
  assert.deepEqual(scaleOptions(['--scale', '=3']), {});
  assert.deepEqual(scaleOptions(['--scale', 'web=-1']), {});
  assert.deepEqual(scaleOptions(['--scale']), {}, 'a trailing --scale without a value');
  assert.deepEqual(scaleOptions(['--', '--scale', 'web=3']), {});
  assert.deepEqual(scaleOptions(['--scale', 'web=2', '--', '--scale=web=9']), { web: 2 });
  assert.deepEqual(scaleOptions(['--scaled', 'web=3', 'web=4']), {}, 'a positional web=4 is not a scale option');
});

test("runService: the first argument that is not an option or an option's value", () => {
  assert.equal(runService(['app']), 'app');
  assert.equal(runService(['--rm', 'app', 'sh', '-c', 'x']), 'app');
  assert.equal(
    runService(['-e', 'A=1', '--env', 'B=2', '-l', 'k=v', '--name', 'db', 'app', 'db']),
    'app',
    'values of options are skipped',
  );
  assert.equal(
    runService(['-w', '/srv', '-u', 'root', '-v', '/a:/b', '-p', '80:80', '--entrypoint', 'sh', 'app']),
    'app',
  );
  assert.equal(
    runService(['--cap-add', 'NET_ADMIN', '--cap-drop', 'ALL', '--pull', 'never', '--env-from-file', 'f', 'app']),
    'app',
  );
  assert.equal(
    runService(['--name=x', '-eA=1', '--workdir=/w', '-dT', '--no-deps', '--service-ports', '--use-aliases', 'app']),
    'app',
    'inline values and boolean clusters',
  );
  assert.equal(runService(['--', 'app', 'cmd']), 'app');
  assert.equal(runService(['--rm']), undefined);
  assert.equal(runService([]), undefined);
});

test('scaleArguments: SERVICE=REPLICAS positionals; options and malformed ones are ignored', () => {
  assert.deepEqual(scaleArguments(['web=2']), { web: 2 });
  assert.deepEqual(scaleArguments(['--no-deps', 'web=2', 'db=0', 'web=3']), { web: 3, db: 0 });
  assert.deepEqual(scaleArguments(['--dry-run', 'web', 'web=x', '=2', '--scale=web=4', '-x=1']), {});
});

test('scaleOf: up/create read --scale, scale reads its positionals, others ask for nothing', () => {
  assert.deepEqual(scaleOf('up', ['--scale', 'web=2']), { web: 2 });
  assert.deepEqual(scaleOf('create', ['--scale=db=0']), { db: 0 });
  assert.deepEqual(scaleOf('scale', ['web=3']), { web: 3 });
  assert.equal(scaleOf('start', ['web=3']), undefined);
});

test('isAttached: run and up without -d/--detach/--wait keep Compose in the foreground', () => {
  assert.equal(isAttached('run', ['app']), true);
  assert.equal(isAttached('up', []), true);
  for (const a of ['-d', '--detach', '--wait', '--detach=true', '--wait=true'])
    assert.equal(isAttached('up', [a]), false, a);
  assert.equal(isAttached('start', []), false);
});

test('one table: what each subcommand needs; unknown ones have no entry, not even from the prototype', () => {
  assert.deepEqual(needsOf('up'), { prepare: true, attach: true, change: true, register: true, showModel: false });
  assert.deepEqual(needsOf('watch'), needsOf('up'), 'watch brings the project up first');
  assert.deepEqual(needsOf('config'), {
    prepare: false,
    attach: false,
    change: false,
    register: false,
    showModel: true,
  });
  assert.equal(needsOf('run')!.register, false, 'a one-off run registers nothing of its own');
  assert.equal(needsOf('logs')!.change, false);
  for (const unknown of ['frobnicate', 'toString', 'constructor', '__proto__'])
    assert.equal(needsOf(unknown), undefined);
  assert.equal(isAttached('watch', []), true);
});
