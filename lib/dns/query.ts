// A minimal DNS client over UDP (node:dgram): enough to ask cilo's dnsmasq for A records. Used by
// `cilo dns status`, the tests and the benchmark; no dependency on dig.
import { createSocket } from 'node:dgram';

export interface DnsAnswer {
  rcode: number; // 0 NOERROR, 3 NXDOMAIN, 5 REFUSED
  addresses: string[];
}

export const RCODE_NXDOMAIN = 3;

function encodeQuery(id: number, name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.');
  const parts = [Buffer.from([id >> 8, id & 255, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0])];
  for (const l of labels) parts.push(Buffer.from([l.length]), Buffer.from(l, 'ascii'));
  parts.push(Buffer.from([0, 0, 1, 0, 1])); // root, QTYPE A, QCLASS IN
  return Buffer.concat(parts);
}

function skipName(buf: Buffer, off: number): number {
  for (;;) {
    const len = buf[off]!;
    if (len === 0) return off + 1;
    if ((len & 0xc0) === 0xc0) return off + 2;
    off += len + 1;
  }
}

export function decodeAnswer(buf: Buffer): DnsAnswer {
  const rcode = buf[3]! & 0x0f;
  const qd = buf.readUInt16BE(4);
  const an = buf.readUInt16BE(6);
  let off = 12;
  for (let i = 0; i < qd; i++) off = skipName(buf, off) + 4;
  const addresses: string[] = [];
  for (let i = 0; i < an; i++) {
    off = skipName(buf, off);
    const type = buf.readUInt16BE(off);
    const rdlen = buf.readUInt16BE(off + 8);
    off += 10;
    if (type === 1 && rdlen === 4) addresses.push(`${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`);
    off += rdlen;
  }
  return { rcode, addresses: addresses.sort() };
}

/** Asks host:port for the A records of name. Rejects on timeout. */
export function queryA(
  name: string,
  port: number,
  opts: { host?: string; timeoutMs?: number } = {},
): Promise<DnsAnswer> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const id = Math.floor(Math.random() * 65535);
    const timer = setTimeout(() => {
      socket.close();
      reject(
        new Error(`no answer from ${opts.host ?? '127.0.0.1'}:${port} for ${name} within ${opts.timeoutMs ?? 1000} ms`),
      );
    }, opts.timeoutMs ?? 1000);
    socket.on('message', (msg) => {
      if (msg.readUInt16BE(0) !== id) return;
      clearTimeout(timer);
      socket.close();
      resolve(decodeAnswer(msg));
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      socket.close();
      reject(e);
    });
    socket.send(encodeQuery(id, name), port, opts.host ?? '127.0.0.1');
  });
}
