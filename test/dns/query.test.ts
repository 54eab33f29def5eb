// lib/dns/query.ts: the minimal DNS client. Responses are built by hand here, byte by byte (RFC 1035 §4.1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import type { TestContext } from 'node:test';
import { decodeAnswer, queryA, RCODE_NXDOMAIN } from '../../lib/dns/query.ts';

const u16 = (n: number) => [n >> 8, n & 255];

/** `web.dev.test` → length-prefixed labels and the root label. */
function qname(name: string): number[] {
  return [...name.split('.').flatMap((l) => [l.length, ...Buffer.from(l, 'ascii')]), 0];
}

interface Rr {
  name: number[]; // encoded owner name (labels, or a 0xc0 pointer)
  type: number;
  rdata: number[];
}

function response(o: { id?: number; rcode?: number; question?: string; answers?: Rr[] }): Buffer {
  const answers = o.answers ?? [];
  const header = [
    ...u16(o.id ?? 0x1234),
    0x81,
    0x80 | (o.rcode ?? 0),
    ...u16(o.question ? 1 : 0),
    ...u16(answers.length),
    ...u16(0),
    ...u16(0),
  ];
  const question = o.question ? [...qname(o.question), ...u16(1), ...u16(1)] : [];
  const rrs = answers.flatMap((a) => [
    ...a.name,
    ...u16(a.type),
    ...u16(1),
    0,
    0,
    0x0e,
    0x10,
    ...u16(a.rdata.length),
    ...a.rdata,
  ]);
  return Buffer.from([...header, ...question, ...rrs]);
}

const PTR = [0xc0, 12]; // compression pointer to the question name at offset 12
const A = (ip: string): Rr => ({ name: PTR, type: 1, rdata: ip.split('.').map(Number) });

test('decodeAnswer: A records behind a compressed name, sorted', () => {
  const buf = response({ question: 'web.dev.test', answers: [A('10.224.0.9'), A('10.224.0.10'), A('10.224.0.2')] });
  assert.deepEqual(decodeAnswer(buf), { rcode: 0, addresses: ['10.224.0.10', '10.224.0.2', '10.224.0.9'].sort() });
});

test('decodeAnswer: NXDOMAIN with no answers', () => {
  const got = decodeAnswer(response({ rcode: 3, question: 'nope.dev.test' }));
  assert.deepEqual(got, { rcode: RCODE_NXDOMAIN, addresses: [] });
  assert.equal(RCODE_NXDOMAIN, 3);
  assert.equal(decodeAnswer(response({ rcode: 5, question: 'x.test' })).rcode, 5);
});

test('decodeAnswer: skips non-A records (CNAME, AAAA) and reads uncompressed owner names', () => {
  const cname: Rr = { name: PTR, type: 5, rdata: qname('real.dev.test') };
  const aaaa: Rr = { name: PTR, type: 28, rdata: Array.from({ length: 16 }, (_, i) => i) };
  const a: Rr = { name: qname('real.dev.test'), type: 1, rdata: [192, 168, 7, 1] };
  const got = decodeAnswer(response({ question: 'alias.dev.test', answers: [cname, aaaa, a] }));
  assert.deepEqual(got, { rcode: 0, addresses: ['192.168.7.1'] });
});

test('decodeAnswer: addresses with bytes above 127 print unsigned', () => {
  assert.deepEqual(decodeAnswer(response({ question: 'a.test', answers: [A('255.254.200.129')] })).addresses, [
    '255.254.200.129',
  ]);
});

/** A UDP server on 127.0.0.1 that hands each query to `reply` and sends back what it returns (if anything). */
async function fakeServer(
  t: TestContext,
  reply: (query: Buffer) => Buffer[] | Buffer | undefined,
): Promise<{ port: number; queries: Buffer[] }> {
  const sock: Socket = createSocket('udp4');
  const queries: Buffer[] = [];
  sock.on('message', (msg, rinfo) => {
    queries.push(msg);
    const out = reply(msg);
    for (const b of out === undefined ? [] : Array.isArray(out) ? out : [out]) sock.send(b, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  t.after(() => sock.close());
  return { port: sock.address().port, queries };
}

test('queryA sends a well-formed A/IN query and decodes the matching answer', async (t) => {
  const srv = await fakeServer(t, (q) =>
    response({ id: q.readUInt16BE(0), question: 'web.dev.test', answers: [A('10.224.0.2')] }),
  );
  const got = await queryA('web.dev.test.', srv.port, { timeoutMs: 2000 });
  assert.deepEqual(got, { rcode: 0, addresses: ['10.224.0.2'] });
  const q = srv.queries[0]!;
  assert.equal(q[2], 0x01, 'RD set, standard query');
  assert.equal(q.readUInt16BE(4), 1, 'one question');
  assert.equal(q.readUInt16BE(6) + q.readUInt16BE(8) + q.readUInt16BE(10), 0, 'no other sections');
  assert.deepEqual(
    [...q.subarray(12)],
    [...qname('web.dev.test'), 0, 1, 0, 1],
    'trailing dot dropped; QTYPE A, QCLASS IN',
  );
});

test('queryA ignores a reply with another id and takes its own', async (t) => {
  const srv = await fakeServer(t, (q) => {
    const id = q.readUInt16BE(0);
    return [
      response({ id: id ^ 0xffff, question: 'a.test', answers: [A('6.6.6.6')] }), // a stray (or spoofed) reply
      response({ id, question: 'a.test', answers: [A('10.0.0.1')] }),
    ];
  });
  assert.deepEqual(await queryA('a.test', srv.port, { timeoutMs: 2000 }), { rcode: 0, addresses: ['10.0.0.1'] });
});

test('queryA rejects after the timeout when nothing answers', async (t) => {
  const srv = await fakeServer(t, () => undefined);
  const started = Date.now();
  await assert.rejects(
    queryA('x.test', srv.port, { timeoutMs: 200 }),
    /no answer from 127\.0\.0\.1:\d+ for x\.test within 200 ms/,
  );
  assert.ok(Date.now() - started >= 190);
  assert.equal(srv.queries.length, 1);
});
