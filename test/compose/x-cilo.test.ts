// lib/compose/x-cilo.ts: the `x-cilo` key (DESIGN.md §3), validated with positions, merged across files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NETWORK_NAME, readXCilo } from '../../lib/compose/x-cilo.ts';
import { parseComposeFile } from '../../lib/compose/yaml-file.ts';
import { UserError } from '../../lib/errors/index.ts';

const parse = (file: string, text: string) => parseComposeFile(file, text);

async function xcilo(...texts: string[]) {
  return readXCilo(await Promise.all(texts.map((t, i) => parse(`/p/f${i + 1}.yml`, t))));
}

async function xciloError(...texts: string[]): Promise<UserError> {
  try {
    await xcilo(...texts);
  } catch (e) {
    assert.ok(e instanceof UserError, `a UserError, got ${String(e)}`);
    assert.ok(e.hint, 'with a hint');
    return e;
  }
  assert.fail('expected x-cilo to be refused');
}

const SERVICES = 'services:\n  web:\n    image: busybox\n';

test('every valid key', async () => {
  const got = await xcilo(
    SERVICES +
      'x-cilo:\n  project: shop\n  create-shared: true\n  shared-scope: swarm\n  shared-networks: [cilo-shared-db, my_net.1]\n  dns-suffix: dev.internal\n',
  );
  assert.deepEqual(got, {
    project: 'shop',
    createShared: true,
    sharedScope: 'swarm',
    sharedNetworks: ['cilo-shared-db', 'my_net.1'],
    dnsSuffix: 'dev.internal',
  });
});

test('shared-scope: local or swarm; anything else is an error at the value', async () => {
  assert.equal((await xcilo(SERVICES + 'x-cilo:\n  shared-scope: local\n')).sharedScope, 'local');
  const e = await xciloError(SERVICES + 'x-cilo:\n  shared-scope: global\n');
  assert.match(e.message, /^\/p\/f1\.yml:5:17: x-cilo\.shared-scope must be local or swarm, not "global"$/);
  assert.match(e.hint!, /shared-scope: swarm/);
});

test('create-shared: false, or a list of service names; block-style lists work', async () => {
  assert.deepEqual(await xcilo('x-cilo:\n  create-shared: false\n'), { createShared: false });
  assert.deepEqual(await xcilo('x-cilo:\n  create-shared:\n    - postgres\n    - redis\n'), {
    createShared: ['postgres', 'redis'],
  });
  assert.deepEqual(await xcilo('x-cilo:\n  shared-networks: []\n'), { sharedNetworks: [] });
});

test('no x-cilo, an empty x-cilo, or a file that is not a mapping: nothing', async () => {
  assert.deepEqual(await xcilo(SERVICES), {});
  assert.deepEqual(await xcilo('x-cilo:\n'), {});
  assert.deepEqual(await xcilo('x-cilo: ~\n'), {});
  assert.deepEqual(await xcilo(''), {});
  assert.deepEqual(await xcilo('- a\n- b\n'), {});
  assert.deepEqual(await xcilo(), {});
});

test('merge across files: a later file replaces an earlier one key by key (lists are not appended)', async () => {
  const got = await xcilo(
    'x-cilo:\n  project: first\n  shared-networks: [net-a]\n  dns-suffix: test\n',
    SERVICES,
    'x-cilo:\n  project: second\n  shared-networks: [net-b]\n',
    'x-cilo:\n  create-shared: [web]\n',
  );
  assert.deepEqual(got, { project: 'second', sharedNetworks: ['net-b'], dnsSuffix: 'test', createShared: ['web'] });
});

test('an unknown key is an error naming x-cilo.<key> and file:line:col', async () => {
  // line 5, column 3: the key `colour` under x-cilo in the first file
  const e = await xciloError(SERVICES + 'x-cilo:\n  colour: red\n');
  assert.match(e.message, /^\/p\/f1\.yml:5:3: x-cilo\.colour is not a known key$/);
  assert.match(e.hint!, /project, create-shared, shared-scope, shared-networks, dns-suffix/);
  // in a later file: that file is named
  const e2 = await xciloError('x-cilo:\n  project: ok\n', 'x-cilo:\n  project: ok\n  shared_networks: [a]\n');
  assert.match(e2.message, /^\/p\/f2\.yml:3:3: x-cilo\.shared_networks is not a known key/);
});

test('wrong types are errors with the key path and the value position', async () => {
  const cases: [string, RegExp][] = [
    ['x-cilo: [a]\n', /^\/p\/f1\.yml:1:9: x-cilo must be a mapping/],
    ['x-cilo: yes-please\n', /^\/p\/f1\.yml:1:9: x-cilo must be a mapping/],
    ['x-cilo:\n  project: 3\n', /^\/p\/f1\.yml:2:12: x-cilo\.project must be a string/],
    ['x-cilo:\n  project:\n', /^\/p\/f1\.yml:2:\d+: x-cilo\.project must be a string/],
    ['x-cilo:\n  project: [a]\n', /^\/p\/f1\.yml:2:12: x-cilo\.project must be a string/],
    [
      'x-cilo:\n  create-shared: "yes"\n',
      /^\/p\/f1\.yml:2:18: x-cilo\.create-shared must be true, false or a list of service names/,
    ],
    ['x-cilo:\n  create-shared: 1\n', /x-cilo\.create-shared must be true, false or a list/],
    ['x-cilo:\n  create-shared: {web: true}\n', /x-cilo\.create-shared must be true, false or a list/],
    [
      'x-cilo:\n  create-shared: [web, 2]\n',
      /^\/p\/f1\.yml:2:24: x-cilo\.create-shared must hold only service names, not 2/,
    ],
    [
      'x-cilo:\n  shared-networks: cilo-shared-db\n',
      /^\/p\/f1\.yml:2:20: x-cilo\.shared-networks must be a list of network names/,
    ],
    [
      'x-cilo:\n  shared-networks: [ok, {a: 1}]\n',
      /x-cilo\.shared-networks must hold only network names, not \{"a":1\}/,
    ],
    ['x-cilo:\n  shared-networks: [""]\n', /x-cilo\.shared-networks must hold only network names, not ""/],
    ['x-cilo:\n  dns-suffix: 5\n', /^\/p\/f1\.yml:2:15: x-cilo\.dns-suffix must be a string/],
  ];
  for (const [text, re] of cases) assert.match((await xciloError(text)).message, re, text);
});

test('an invalid shared network name is an error at that list item', async () => {
  const e = await xciloError('x-cilo:\n  shared-networks:\n    - good\n    - -bad\n');
  assert.match(
    e.message,
    /^\/p\/f1\.yml:4:7: x-cilo\.shared-networks holds "-bad", which is not a valid Docker network name/,
  );
  for (const bad of ['a b', 'a/b', '$(x)', '.hidden', 'x'.repeat(129)])
    await xciloError(`x-cilo:\n  shared-networks: [${JSON.stringify(bad)}]\n`);
  assert.equal(NETWORK_NAME.test('x'.repeat(128)), true);
  assert.equal(NETWORK_NAME.test('Net_1.a-b'), true);
});

test('an invalid project or dns-suffix: the name rules apply, with the suggestion', async () => {
  const e = await xciloError('x-cilo:\n  project: My_Shop\n');
  assert.match(e.message, /^\/p\/f1\.yml:2:12: x-cilo\.project invalid project name "My_Shop"/);
  assert.equal(e.hint, 'use "my-shop" instead');
  const s = await xciloError('x-cilo:\n  dns-suffix: Te_st\n');
  assert.match(s.message, /^\/p\/f1\.yml:2:15: x-cilo\.dns-suffix invalid DNS suffix "Te_st"/);
  assert.equal(s.hint, 'use "te-st" instead');
});

test('an error in a later file is reported even if an earlier file is fine', async () => {
  const e = await xciloError('x-cilo:\n  project: shop\n', SERVICES + 'x-cilo:\n  dns-suffix: Bad\n');
  assert.match(e.message, /^\/p\/f2\.yml:5:15: /);
});

test('a quoted x-cilo key is read like a plain one', async () => {
  assert.deepEqual(await xcilo('"x-cilo":\n  "project": shop\n'), { project: 'shop' });
});

test('files with !reset / !override tags still yield their x-cilo', async () => {
  const got = await xcilo(
    'services:\n  web:\n    ports: !reset []\n    environment: !override {A: b}\nx-cilo:\n  create-shared: true\n',
  );
  assert.deepEqual(got, { createShared: true });
});

test('a compose file written in JSON yields its x-cilo, errors with positions', async () => {
  assert.deepEqual(await xcilo('{\n  "services": {},\n  "x-cilo": {"project": "shop", "create-shared": true}\n}\n'), {
    project: 'shop',
    createShared: true,
  });
  const e = await xciloError('{"services": {},\n "x-cilo": {"shared-scope": "global"}}\n');
  assert.match(e.message, /^\/p\/f1\.yml:2:29: x-cilo\.shared-scope must be local or swarm, not "global"$/);
});

test('access: routed or published; anything else is an error at the value with an example', async () => {
  assert.deepEqual(await xcilo(SERVICES + 'x-cilo:\n  access: published\n'), { access: 'published' });
  const e = await xciloError(SERVICES + 'x-cilo:\n  access: bridged\n');
  assert.match(e.message, /^\/p\/f1\.yml:5:11: x-cilo\.access must be routed or published, not "bridged"$/);
  assert.match(e.hint!, /access: published/);
});

test('http: a container port or false per service; a port out of range names the service at its value', async () => {
  assert.deepEqual(await xcilo(SERVICES + 'x-cilo:\n  http:\n    web: 3000\n    worker: false\n'), {
    http: { web: 3000, worker: false },
  });
  const e = await xciloError(SERVICES + 'x-cilo:\n  http:\n    web: 70000\n');
  assert.match(
    e.message,
    /^\/p\/f1\.yml:6:10: x-cilo\.http "web" must be a container port \(1-65535\) or false, not 70000$/,
  );
  assert.match(e.hint!, /web: 3000/);
  assert.match((await xciloError(SERVICES + 'x-cilo:\n  http: 3000\n')).message, /x-cilo\.http must be a mapping/);
});
