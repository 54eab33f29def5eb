// lib/network/subnet.ts: CIDR arithmetic, the allocator (lowest free subnet of the pool) and static addresses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { throwsUserError } from '../helpers.ts';
import {
  allocateSubnet,
  assignStaticAddresses,
  cidrSize,
  contains,
  formatCidr,
  formatIPv4,
  overlaps,
  parseCidr,
  parseIPv4,
  subnetLayout,
  type PoolConfig,
} from '../../lib/network/subnet.ts';

const cidr = (s: string) => {
  const c = parseCidr(s, true);
  assert.ok(c, `${s} parses`);
  return c;
};
const pool = (p: string, prefix: number): PoolConfig => ({ pool: cidr(p), prefix });

const userError = throwsUserError;

test('parseIPv4 / formatIPv4 round-trip, including addresses with the high bit set', () => {
  assert.equal(parseIPv4('0.0.0.0'), 0);
  assert.equal(parseIPv4('10.224.0.1'), 10 * 2 ** 24 + 224 * 2 ** 16 + 1);
  assert.equal(parseIPv4('255.255.255.255'), 2 ** 32 - 1, 'unsigned, not -1');
  assert.equal(parseIPv4('192.168.1.2'), 192 * 2 ** 24 + 168 * 2 ** 16 + 256 + 2);
  for (const s of ['0.0.0.0', '10.224.3.4', '192.168.255.1', '255.255.255.255'])
    assert.equal(formatIPv4(parseIPv4(s)!), s);
  for (const bad of ['256.0.0.1', '1.2.3', '1.2.3.4.5', 'a.b.c.d', '', '1.2.3.4 ', '::1', '1.2.3.-4'])
    assert.equal(parseIPv4(bad), undefined, bad);
});

test('parseCidr: strict about host bits unless lenient; rejects IPv6 and junk', () => {
  assert.deepEqual(parseCidr('10.224.0.0/16'), { base: parseIPv4('10.224.0.0'), prefix: 16 });
  assert.deepEqual(parseCidr('0.0.0.0/0'), { base: 0, prefix: 0 });
  assert.deepEqual(parseCidr('10.0.0.5/32'), { base: parseIPv4('10.0.0.5'), prefix: 32 });
  assert.equal(parseCidr('10.224.0.1/16'), undefined, 'host bits set');
  assert.deepEqual(parseCidr('10.224.0.1/16', true), { base: parseIPv4('10.224.0.0'), prefix: 16 });
  assert.deepEqual(parseCidr('172.17.0.1/16', true), { base: parseIPv4('172.17.0.0'), prefix: 16 });
  for (const bad of [
    '10.0.0.0/33',
    '10.0.0.0',
    '10.0.0.0/',
    '10.0.0.0/8/1',
    '10.0.0.0/x',
    '300.0.0.0/8',
    'fd00::/64',
    '10.0.0.0/-1',
    '10.0.0.0/123',
  ])
    assert.equal(parseCidr(bad, true), undefined, bad);
  assert.equal(formatCidr(cidr('192.168.16.0/20')), '192.168.16.0/20');
  assert.equal(cidrSize(cidr('10.0.0.0/24')), 256);
  assert.equal(cidrSize(cidr('10.0.0.0/28')), 16);
  assert.equal(cidrSize(cidr('0.0.0.0/0')), 2 ** 32);
});

test('overlaps: containment either way, adjacency is not overlap, symmetric', () => {
  const pairs: [string, string, boolean][] = [
    ['10.224.0.0/20', '10.224.15.0/24', true],
    ['10.224.0.0/20', '10.224.16.0/24', false],
    ['10.224.1.0/24', '10.224.1.0/24', true],
    ['10.224.1.0/24', '10.224.2.0/24', false],
    ['10.224.1.128/25', '10.224.1.0/24', true],
    ['10.224.1.128/25', '10.224.1.0/25', false],
    ['192.168.0.0/16', '192.168.255.0/24', true],
    ['192.168.0.0/16', '192.169.0.0/24', false],
    ['0.0.0.0/0', '203.0.113.0/24', true],
    ['255.255.255.0/24', '255.255.255.128/25', true],
  ];
  for (const [a, b, want] of pairs) {
    assert.equal(overlaps(cidr(a), cidr(b)), want, `${a} vs ${b}`);
    assert.equal(overlaps(cidr(b), cidr(a)), want, `${b} vs ${a}`);
  }
});

test('contains', () => {
  const c = cidr('10.224.3.0/24');
  assert.equal(contains(c, parseIPv4('10.224.3.0')!), true);
  assert.equal(contains(c, parseIPv4('10.224.3.255')!), true);
  assert.equal(contains(c, parseIPv4('10.224.4.0')!), false);
  assert.equal(contains(cidr('200.1.0.0/16'), parseIPv4('200.1.9.9')!), true);
});

test('allocateSubnet takes the lowest free subnet', () => {
  const cfg = pool('10.224.0.0/16', 24);
  assert.equal(allocateSubnet(cfg, []), '10.224.0.0/24');
  assert.equal(allocateSubnet(cfg, ['10.224.0.0/24']), '10.224.1.0/24');
  assert.equal(
    allocateSubnet(cfg, ['10.224.0.0/24', '10.224.1.0/24', '10.224.3.0/24']),
    '10.224.2.0/24',
    'fills the gap first',
  );
});

test('allocateSubnet reuses a freed subnet (lowest free, not a counter)', () => {
  const cfg = pool('10.224.0.0/16', 24);
  const taken = ['10.224.0.0/24', '10.224.1.0/24', '10.224.2.0/24'];
  assert.equal(allocateSubnet(cfg, taken), '10.224.3.0/24');
  // 10.224.1.0/24 destroyed: it is handed out again
  assert.equal(allocateSubnet(cfg, ['10.224.0.0/24', '10.224.2.0/24']), '10.224.1.0/24');
});

test('allocateSubnet skips Docker networks that overlap, bigger or smaller than a candidate', () => {
  const cfg = pool('10.224.0.0/16', 24);
  assert.equal(allocateSubnet(cfg, ['10.224.0.0/20']), '10.224.16.0/24', 'a /20 covers sixteen /24s');
  assert.equal(allocateSubnet(cfg, ['10.224.0.0/20', '10.224.16.0/24']), '10.224.17.0/24', 'state and Docker together');
  assert.equal(allocateSubnet(cfg, ['10.224.0.128/25']), '10.224.1.0/24', 'a /25 inside the first /24');
  assert.equal(allocateSubnet(cfg, ['10.224.0.7/32']), '10.224.1.0/24', 'even one address');
  assert.equal(
    allocateSubnet(cfg, ['10.224.0.1/24']),
    '10.224.1.0/24',
    'Docker may report the gateway form (host bits set)',
  );
  assert.equal(
    allocateSubnet(cfg, ['172.17.0.0/16', '192.168.0.0/20', 'fd00:1::/64', 'junk']),
    '10.224.0.0/24',
    'unrelated, IPv6 and junk entries are ignored',
  );
});

test('allocateSubnet honours the prefix: /26s from a /24 pool', () => {
  const cfg = pool('10.224.5.0/24', 26);
  assert.equal(allocateSubnet(cfg, []), '10.224.5.0/26');
  assert.equal(allocateSubnet(cfg, ['10.224.5.0/26']), '10.224.5.64/26');
  assert.equal(allocateSubnet(cfg, ['10.224.5.0/25']), '10.224.5.128/26');
});

test('allocateSubnet: an exhausted pool is a clear error (pool /22, prefix 24: four subnets)', () => {
  const cfg = pool('10.224.0.0/22', 24);
  const all = ['10.224.0.0/24', '10.224.1.0/24', '10.224.2.0/24', '10.224.3.0/24'];
  assert.equal(allocateSubnet(cfg, all.slice(0, 3)), '10.224.3.0/24', 'the fourth is still free');
  const e = userError(() => allocateSubnet(cfg, all), /10\.224\.0\.0\/22 has no free \/24/);
  assert.match(e.hint!, /CILO_SUBNET_POOL/);
  userError(() => allocateSubnet(cfg, ['10.0.0.0/8']), /no free/); // one Docker network covering the whole pool
  assert.equal(allocateSubnet(cfg, ['10.224.4.0/24']), '10.224.0.0/24', 'a network just past the pool does not count');
});

test('subnetLayout: gateway .1, static addresses from .2 in the lower half, dynamic range the upper half', () => {
  const l = subnetLayout('10.224.5.0/24');
  assert.equal(l.gateway, '10.224.5.1');
  assert.equal(l.ipRange, '10.224.5.128/25');
  assert.equal(formatIPv4(l.staticFirst), '10.224.5.2');
  assert.equal(formatIPv4(l.staticLast), '10.224.5.127');
  const small = subnetLayout('10.224.0.16/28');
  assert.equal(small.gateway, '10.224.0.17');
  assert.equal(small.ipRange, '10.224.0.24/29');
  assert.equal(formatIPv4(small.staticFirst), '10.224.0.18');
  assert.equal(formatIPv4(small.staticLast), '10.224.0.23');
  // the static part and the dynamic range never overlap, and both are inside the subnet
  for (const s of ['10.224.5.0/24', '10.224.0.16/28', '10.224.0.0/20']) {
    const x = subnetLayout(s);
    const range = cidr(x.ipRange);
    assert.equal(contains(range, x.staticLast), false, s);
    assert.equal(x.staticLast + 1, range.base, `${s}: the dynamic range starts right after the static part`);
    assert.ok(overlaps(range, cidr(s)));
  }
  assert.throws(() => subnetLayout('10.224.5.1/24'));
});

test('assignStaticAddresses: new services take the lowest free addresses in the given order', () => {
  assert.deepEqual(assignStaticAddresses('10.224.3.0/24', ['api', 'db', 'web'], {}), {
    api: '10.224.3.2',
    db: '10.224.3.3',
    web: '10.224.3.4',
  });
});

test('assignStaticAddresses: existing services keep their addresses; new ones fill the lowest gaps', () => {
  const prev = { db: '10.224.3.2', web: '10.224.3.4' };
  assert.deepEqual(assignStaticAddresses('10.224.3.0/24', ['api', 'cache', 'db', 'web'], prev), {
    api: '10.224.3.3',
    cache: '10.224.3.5',
    db: '10.224.3.2',
    web: '10.224.3.4',
  });
  // a removed service frees its address; the others do not move
  assert.deepEqual(assignStaticAddresses('10.224.3.0/24', ['web'], prev), { web: '10.224.3.4' });
  // stable across repeated calls with the previous result
  const first = assignStaticAddresses('10.224.3.0/24', ['a', 'b', 'c'], {});
  assert.deepEqual(assignStaticAddresses('10.224.3.0/24', ['c', 'b', 'a'], first), first);
});

test('assignStaticAddresses: previous addresses outside the static range are reassigned', () => {
  const prev = {
    other: '10.224.9.5', // another subnet (the environment got a new subnet)
    dyn: '10.224.3.200', // Docker's dynamic range
    gw: '10.224.3.1', // the gateway
    net: '10.224.3.0', // the network address
    junk: 'not-an-ip',
    keep: '10.224.3.10',
  };
  const got = assignStaticAddresses('10.224.3.0/24', ['other', 'dyn', 'gw', 'net', 'junk', 'keep'], prev);
  assert.deepEqual(got, {
    other: '10.224.3.2',
    dyn: '10.224.3.3',
    gw: '10.224.3.4',
    net: '10.224.3.5',
    junk: '10.224.3.6',
    keep: '10.224.3.10',
  });
});

test('assignStaticAddresses: two services claiming one address: the first keeps it', () => {
  const got = assignStaticAddresses('10.224.3.0/24', ['a', 'b'], { a: '10.224.3.9', b: '10.224.3.9' });
  assert.deepEqual(got, { a: '10.224.3.9', b: '10.224.3.2' });
});

test('assignStaticAddresses: all addresses distinct and in the static range, also for many services', () => {
  const services = Array.from({ length: 126 }, (_, i) => `s${i}`); // .2 … .127: exactly the static range of a /24
  const got = assignStaticAddresses('10.224.3.0/24', services, {});
  const ips = Object.values(got).map((a) => parseIPv4(a)!);
  assert.equal(new Set(ips).size, 126);
  const l = subnetLayout('10.224.3.0/24');
  assert.ok(ips.every((ip) => ip >= l.staticFirst && ip <= l.staticLast));
});

test('assignStaticAddresses: exhaustion is a clear error naming the service', () => {
  // a /28 has 6 static addresses (.2 … .7)
  const six = ['a', 'b', 'c', 'd', 'e', 'f'];
  assert.equal(Object.keys(assignStaticAddresses('10.224.0.0/28', six, {})).length, 6);
  const e = userError(
    () => assignStaticAddresses('10.224.0.0/28', [...six, 'g'], {}),
    /no static address left for service "g"/,
  );
  assert.match(e.hint!, /CILO_SUBNET_PREFIX/);
  userError(
    () =>
      assignStaticAddresses(
        '10.224.3.0/24',
        Array.from({ length: 127 }, (_, i) => `s${i}`),
        {},
      ),
    /no static address left/,
  );
});
