// Whether a port of this host is free: the only way to know is to try to take it (a listener on TCP, a bound
// socket on UDP), then let it go at once. Loopback traffic only; no process started.
import { UserError } from '../errors/index.js';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/**
 * True when nothing holds `host:port` for `protocol` here. A port below 1024 that this user may not bind
 * (EACCES) is not taken: a rootful engine binds it (the router gets 80 and 443 whoever runs cilo).
 */
export function portFree(host: string, port: number, protocol: string): Promise<boolean> {
  const free = (e: NodeJS.ErrnoException) => e.code === 'EACCES';
  return new Promise((resolve) => {
    if (protocol === 'udp') {
      const s = createSocket(host.includes(':') ? 'udp6' : 'udp4');
      s.once('error', (e) => resolve(free(e)));
      s.bind(port, host, () => s.close(() => resolve(true)));
      return;
    }
    const server = createServer();
    server.once('error', (e) => resolve(free(e)));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Thrown when a port cilo chose is held on the host by something that is not cilo's. */
export class PortTakenError extends UserError {
  constructor(
    readonly port: number,
    readonly host: string,
    readonly protocol: string,
  ) {
    super(
      `port ${port}/${protocol} on ${host} is in use on this host by a program that is not cilo's`,
      'stop what holds it, or give cilo a range with free ports (CILO_PORT_RANGE=first-last)',
    );
  }
}
