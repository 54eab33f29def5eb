// lib/settings.ts: every CILO_* setting parsed once; a bad value is a user error naming the variable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { throwsUserError } from './helpers.ts';
import { parsePool, parseSettings } from '../lib/settings.ts';
import { parseCidr } from '../lib/network/subnet.ts';

const cidr = (s: string) => {
  const c = parseCidr(s, true);
  assert.ok(c, `${s} parses`);
  return c;
};

const userError = throwsUserError;

test('defaults', () => {
  const s = parseSettings({});
  assert.deepEqual(s, {
    pool: { pool: cidr('10.224.0.0/14'), prefix: 24 },
    networkPrefix: 26,
    lockTimeoutMs: 30_000,
    dns: { enabled: true, port: 5354, portSet: false, suffix: 'test', allowedSuffixes: [] },
    access: undefined,
    ports: { first: 24000, last: 27999 },
    router: { enabled: true, image: 'caddy:2', httpPort: 80, httpsPort: 443 },
    debug: false,
  });
  assert.deepEqual(
    parseSettings({
      CILO_SUBNET_POOL: '',
      CILO_LOCK_TIMEOUT: '',
      CILO_DNS_PORT: '',
      CILO_DNS_SUFFIX: '',
      CILO_DNS: '',
    }),
    s,
    'an empty variable is unset',
  );
});

test('parsePool: defaults and valid settings', () => {
  assert.deepEqual(parsePool({}), { pool: cidr('10.224.0.0/14'), prefix: 24 });
  assert.deepEqual(parsePool({ CILO_SUBNET_POOL: '', CILO_SUBNET_PREFIX: '' }), {
    pool: cidr('10.224.0.0/14'),
    prefix: 24,
  });
  assert.deepEqual(parsePool({ CILO_SUBNET_POOL: '172.30.0.0/20', CILO_SUBNET_PREFIX: '26' }), {
    pool: cidr('172.30.0.0/20'),
    prefix: 26,
  });
  assert.deepEqual(parsePool({ CILO_SUBNET_PREFIX: '/25' }), { pool: cidr('10.224.0.0/14'), prefix: 25 });
  assert.equal(
    parsePool({ CILO_SUBNET_POOL: '10.9.0.0/24', CILO_SUBNET_PREFIX: '24' }).prefix,
    24,
    'prefix equal to the pool: one subnet',
  );
  assert.equal(parsePool({ CILO_SUBNET_PREFIX: '28' }).prefix, 28);
});

test('parsePool: invalid settings are errors naming the variable', () => {
  for (const p of ['10.224.0.1/16', 'fd00::/8', '10.224.0.0', 'ten/8', '10.224.0.0/33'])
    userError(
      () => parsePool({ CILO_SUBNET_POOL: p }),
      new RegExp(`CILO_SUBNET_POOL=${JSON.stringify(p).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`),
    );
  for (const p of ['29', '32', '15', 'abc', '24.5', '-24'])
    userError(
      () => parsePool({ CILO_SUBNET_POOL: '10.224.0.0/16', CILO_SUBNET_PREFIX: p }),
      /CILO_SUBNET_PREFIX=.* must be an integer between 16 \(the pool's\) and 28/,
    );
  userError(() => parsePool({ CILO_SUBNET_POOL: '10.9.0.0/24', CILO_SUBNET_PREFIX: '23' }), /between 24/);
});

test('CILO_NETWORK_PREFIX: the size of the other project networks, within the pool', () => {
  assert.equal(parseSettings({ CILO_NETWORK_PREFIX: '27' }).networkPrefix, 27);
  userError(
    () => parseSettings({ CILO_NETWORK_PREFIX: '29' }),
    /^CILO_NETWORK_PREFIX="29" must be an integer between 14 \(the pool's\) and 28/,
  );
  userError(
    () => parseSettings({ CILO_SUBNET_POOL: '10.9.0.0/24', CILO_SUBNET_PREFIX: '24', CILO_NETWORK_PREFIX: '23' }),
    /between 24/,
  );
});

test('CILO_LOCK_TIMEOUT is in seconds; what is not a number is an error naming it', () => {
  assert.equal(parseSettings({ CILO_LOCK_TIMEOUT: '2' }).lockTimeoutMs, 2000);
  assert.equal(parseSettings({ CILO_LOCK_TIMEOUT: '0.5' }).lockTimeoutMs, 500);
  assert.equal(parseSettings({ CILO_LOCK_TIMEOUT: '0' }).lockTimeoutMs, 0);
  for (const bad of ['soon', '-1', '1e3x', 'NaN', '2 s'])
    userError(
      () => parseSettings({ CILO_LOCK_TIMEOUT: bad }),
      new RegExp(`^CILO_LOCK_TIMEOUT=${JSON.stringify(bad)} is not a number of seconds`),
    );
});

test('CILO_DNS_PORT must be a port number', () => {
  assert.equal(parseSettings({ CILO_DNS_PORT: '53' }).dns.port, 53);
  assert.equal(parseSettings({ CILO_DNS_PORT: '53' }).dns.portSet, true, 'a port the user named');
  assert.equal(parseSettings({ CILO_DNS_PORT: '' }).dns.portSet, false);
  for (const bad of ['0', '65536', 'dns', '53.5', '-1'])
    userError(
      () => parseSettings({ CILO_DNS_PORT: bad }),
      new RegExp(`^CILO_DNS_PORT=${JSON.stringify(bad).replace('.', '\\.')} is not a port number`),
    );
});

test('CILO_DNS: on or off (1/0, true/false); anything else is an error', () => {
  for (const off of ['off', '0', 'false']) assert.equal(parseSettings({ CILO_DNS: off }).dns.enabled, false, off);
  for (const on of ['on', '1', 'true']) assert.equal(parseSettings({ CILO_DNS: on }).dns.enabled, true, on);
  userError(() => parseSettings({ CILO_DNS: 'maybe' }), /^CILO_DNS="maybe" is neither on nor off/);
});

test('CILO_DNS_SUFFIX: a DNS suffix, or an error naming the variable with the suggested form', () => {
  assert.equal(parseSettings({ CILO_DNS_SUFFIX: 'dev' }).dns.suffix, 'dev');
  assert.equal(parseSettings({ CILO_DNS_SUFFIX: 'dev.internal' }).dns.suffix, 'dev.internal');
  const e = userError(
    () => parseSettings({ CILO_DNS_SUFFIX: 'Dev_Box' }),
    /^CILO_DNS_SUFFIX="Dev_Box" is not a DNS suffix/,
  );
  assert.match(e.hint!, /dev-box/);
});

test('CILO_DEBUG=1 asks for stack traces', () => {
  assert.equal(parseSettings({ CILO_DEBUG: '1' }).debug, true);
  assert.equal(parseSettings({ CILO_DEBUG: '0' }).debug, false);
});

test('access, the port range and the router: valid values, and errors naming the variable', () => {
  const s = parseSettings({
    CILO_ACCESS: 'published',
    CILO_PORT_RANGE: '30000-30099',
    CILO_ROUTER: 'off',
    CILO_ROUTER_IMAGE: 'cilo-router:local',
    CILO_ROUTER_PORT: '8080',
  });
  assert.equal(s.access, 'published');
  assert.deepEqual(s.ports, { first: 30000, last: 30099 });
  assert.deepEqual(s.router, { enabled: false, image: 'cilo-router:local', httpPort: 8080, httpsPort: 443 });
  for (const [vars, re] of [
    [{ CILO_ACCESS: 'tunnel' }, /^CILO_ACCESS="tunnel" is neither routed nor published$/],
    [{ CILO_PORT_RANGE: '80-90' }, /^CILO_PORT_RANGE="80-90" is not a range of at least 16 ports from 1024 up$/],
    [{ CILO_PORT_RANGE: '30000' }, /^CILO_PORT_RANGE="30000"/],
    [{ CILO_ROUTER: 'maybe' }, /^CILO_ROUTER="maybe" is neither on nor off$/],
    [{ CILO_ROUTER_PORT: '70000' }, /^CILO_ROUTER_PORT="70000" is not a port number$/],
  ] as const)
    throwsUserError(() => parseSettings(vars), re);
});

test('CILO_DNS_SUFFIXES_ALLOWED: the suffixes the user allows x-cilo.dns-suffix to name, each checked', () => {
  assert.deepEqual(parseSettings({ CILO_DNS_SUFFIXES_ALLOWED: 'dev, corp.example' }).dns.allowedSuffixes, [
    'dev',
    'corp.example',
  ]);
  assert.throws(() => parseSettings({ CILO_DNS_SUFFIXES_ALLOWED: 'dev,Bad_One' }), /CILO_DNS_SUFFIXES_ALLOWED/);
});
