// lib/core/plugin.ts: the plugin link in Docker's plugin directory (the real docker CLI runs it in
// test/integration/plugin.integration.test.ts).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { installPlugin, pluginPath, uninstallPlugin } from '../../lib/cli/plugin.ts';
import { throwsUserError, tempDir } from '../helpers.ts';

function ctx(t: TestContext, withConfig: boolean) {
  const dir = tempDir(t);
  return {
    dir,
    c: { processEnv: withConfig ? { DOCKER_CONFIG: join(dir, 'dc') } : {}, host: { userHome: dir } as never },
  };
}

test('the path: $DOCKER_CONFIG/cli-plugins, else ~/.docker/cli-plugins', (t) => {
  const a = ctx(t, true);
  assert.equal(pluginPath(a.c), join(a.dir, 'dc', 'cli-plugins', 'docker-cilo'));
  const b = ctx(t, false);
  assert.equal(pluginPath(b.c), join(b.dir, '.docker', 'cli-plugins', 'docker-cilo'));
});

test('install links, again is a no-op, an older cilo link is replaced; uninstall removes only its link', (t) => {
  const { c } = ctx(t, true);
  const path = installPlugin(c, '/pkg/bin/docker-cilo');
  assert.equal(readlinkSync(path), '/pkg/bin/docker-cilo');
  assert.equal(installPlugin(c, '/pkg/bin/docker-cilo'), path);
  installPlugin(c, '/newer/bin/docker-cilo');
  assert.equal(readlinkSync(path), '/newer/bin/docker-cilo');
  assert.deepEqual(uninstallPlugin(c), { path, removed: true });
  assert.ok(!existsSync(path));
  assert.deepEqual(uninstallPlugin(c), { path, removed: false });
});

test("a file there that is not cilo's is refused and left", (t) => {
  const { c } = ctx(t, true);
  const path = pluginPath(c);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, '#!/bin/sh\n');
  throwsUserError(() => installPlugin(c, '/pkg/bin/docker-cilo'), /exists and is not cilo's/);
  throwsUserError(() => uninstallPlugin(c), /is not cilo's link/);
  assert.ok(lstatSync(path).isFile());
});
