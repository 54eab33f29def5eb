// Caddy's admin API, reached at the host port the router's admin listener is published on (127.0.0.1 only):
// the whole config is read back and loaded in one request. A load is a graceful reload: requests in flight
// finish on the old config (docs/TEST-RIG.md, "Caddy as a router").

/** Thrown when the admin API does not answer or refuses what it is given. */
export class AdminError extends Error {}

async function call(
  port: number,
  method: 'GET' | 'POST',
  path: string,
  body?: string,
  timeoutMs = 5000,
): Promise<string> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        timeout: timeoutMs,
        headers:
          body === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => reject(new AdminError(e.message)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode === 200) resolve(text);
          else reject(new AdminError(`${method} ${path} answered ${res.statusCode}: ${text.trim()}`));
        });
      },
    );
    req.on('timeout', () => req.destroy(new AdminError(`no answer within ${timeoutMs / 1000} s`)));
    req.on('error', (e: NodeJS.ErrnoException) =>
      reject(e instanceof AdminError ? e : new AdminError(`127.0.0.1:${port}: ${e.code ?? e.message}`)),
    );
    req.end(body);
  });
}

/** The config the router runs now. */
export async function currentConfig(port: number): Promise<unknown> {
  const text = await call(port, 'GET', '/config/');
  return JSON.parse(text || 'null') as unknown;
}

/** Loads `config` whole; retried while a router that just started is not listening yet (`waitMs`). */
export async function loadConfig(port: number, config: unknown, waitMs = 0): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      await call(port, 'POST', '/load', JSON.stringify(config));
      return;
    } catch (e) {
      if (
        !(e instanceof AdminError) ||
        Date.now() >= deadline ||
        !/ECONNREFUSED|ECONNRESET|socket hang up/.test(e.message)
      )
        throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
