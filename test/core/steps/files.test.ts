// lib/core/steps/files.ts: x-cilo and the model read from the files, and reused for the same bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveProject } from '../../../lib/compose/resolve.ts';
import { readProjectFiles } from '../../../lib/core/steps/files.ts';
import { tempDir } from '../../helpers.ts';

test('the same bytes are read from the cache; other bytes are parsed again; an error is never cached', async (t) => {
  const dir = tempDir(t);
  const home = join(dir, 'home');
  const file = join(dir, 'compose.yaml');
  const project = () => resolveProject({ files: [], envFiles: [], profiles: [] }, dir, {})!;
  writeFileSync(file, 'x-cilo:\n  project: shop\nservices:\n  web:\n    image: x\n');
  const first = await readProjectFiles(project(), home);
  assert.deepEqual(first.xcilo, { project: 'shop' });
  assert.deepEqual(
    first.model?.services.map((s) => s.name),
    ['web'],
  );
  const [entry] = readdirSync(join(home, 'cache', 'projects'));
  // What the cache holds is what the next read returns: proof that it did not parse again.
  writeFileSync(
    join(home, 'cache', 'projects', entry!),
    JSON.stringify({ value: { xcilo: { project: 'from-cache' }, model: null } }),
  );
  assert.deepEqual((await readProjectFiles(project(), home)).xcilo, { project: 'from-cache' });
  writeFileSync(file, 'x-cilo:\n  project: other\nservices: {}\n');
  assert.deepEqual((await readProjectFiles(project(), home)).xcilo, { project: 'other' }, 'new bytes, parsed');
  writeFileSync(file, 'x-cilo:\n  bogus: 1\n');
  await assert.rejects(readProjectFiles(project(), home), /x-cilo\.bogus is not a known key/);
  await assert.rejects(readProjectFiles(project(), home), /x-cilo\.bogus is not a known key/, 'reported every time');
});

test('a command that must write nothing (a preview) reads the cache but never writes it', async (t) => {
  const dir = tempDir(t);
  const home = join(dir, 'home');
  writeFileSync(join(dir, 'compose.yaml'), 'x-cilo: {}\nservices: {}\n');
  const project = resolveProject({ files: [], envFiles: [], profiles: [] }, dir, {})!;
  assert.deepEqual((await readProjectFiles(project, home, false)).xcilo, {});
  assert.equal(existsSync(home), false, 'not even the home');
});
