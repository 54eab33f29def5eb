// lib/core/use-cases/service-io.ts: output bounded to its end, whole characters kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execInService, lastBytes, serviceLogs } from '../../../lib/core/use-cases/service-io.ts';
import { UserError } from '../../../lib/errors/index.ts';
import { addEnvironment } from '../../../lib/state/schema.ts';
import { envRecord, FakeEngine, fakeContext } from '../../fakes.ts';
import { tempDir } from '../../helpers.ts';

test('lastBytes: short text whole; long text its end, never half a character', () => {
  assert.deepEqual(lastBytes('hello', 10), { text: 'hello', truncated: false });
  assert.deepEqual(lastBytes('0123456789abc', 4), { text: '9abc', truncated: true });
  const cut = lastBytes('ééé', 3); // 6 bytes: the last 3 start inside a character
  assert.deepEqual(cut, { text: 'é', truncated: true });
});

test("a service that is not the environment's is refused before Compose runs; the service follows `--`", async (t) => {
  const dir = join(tempDir(t), 'shop');
  mkdirSync(dir);
  writeFileSync(join(dir, 'compose.yaml'), 'x-cilo: {}\nservices:\n  web:\n    image: x\n');
  const engine = new FakeEngine();
  const ctx = fakeContext(t, engine);
  const web = { name: 'web', dns_name: 'web.dev.test', addresses: [], replicas: 1 };
  await ctx.store.update((s) =>
    addEnvironment(s, 'local', 'p/dev', envRecord('dev', { source: dir, services: { web } })),
  );
  const bounds = { maxBytes: 65_536, timeoutMs: 10_000 };
  for (const service of ['--privileged', '-u', 'db'])
    await assert.rejects(
      execInService(ctx, { name: 'dev', service, command: ['id'], ...bounds }),
      (e: unknown) => e instanceof UserError && e.message === `dev has no service ${JSON.stringify(service)}`,
    );
  assert.ok(!engine.calls.some((c) => c[0] === 'compose' && c.includes('exec')), 'Compose never ran');
  await execInService(ctx, { name: 'dev', service: 'web', command: ['--version'], ...bounds });
  await serviceLogs(ctx, { name: 'dev', service: 'web', since: '-x', ...bounds });
  const exec = engine.calls.find((c) => c.includes('exec'))!;
  assert.deepEqual(exec.slice(exec.indexOf('exec')), ['exec', '-T', '--', 'web', '--version']);
  const logs = engine.calls.find((c) => c.includes('logs'))!;
  assert.deepEqual(logs.slice(logs.indexOf('logs')), [
    'logs',
    '--no-color',
    '--no-log-prefix',
    '--since=-x',
    '--',
    'web',
  ]);
});
