// What the shell front (lib/shim/front.sh) hands the Node shim besides the command line, so that the programs
// the shim runs get what a plain `exec docker compose` would have given them (docs/ARCHITECTURE.md, "The
// front"): the environment as the front received it, the signals ignored at start (Node resets them), and the
// inherited descriptors (Node does not pass them on).
import { closeSync, readFileSync } from 'node:fs';
import { CA_CERTS_ASIDE, COMPILE_CACHE_SET, environmentAsReceived } from '../context.js';
import { ignoredAtStart, SIGIGN_MARKER } from '../docker/interruption.js';

const MARKERS = ['__CILO_ENVIRON_FD', CA_CERTS_ASIDE, COMPILE_CACHE_SET, SIGIGN_MARKER, '__CILO_FDS'] as const;

export interface Handover {
  env: NodeJS.ProcessEnv;
  /** Signal numbers whose disposition was "ignore" when the front started (a `nohup`). */
  ignoredSignals: number[];
  /** Descriptors above 2 that the front inherited. */
  fds: number[];
}

/** NAME=value entries separated by NUL, as /proc/<pid>/environ holds them. */
export function parseEnviron(raw: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const entry of raw.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

/**
 * Reads the front's markers out of `env` (and the environment it gave on a descriptor, which it closes). Without a
 * front (the shim started directly) this is the environment as it is.
 */
export function takeHandover(env: NodeJS.ProcessEnv): Handover {
  let out: NodeJS.ProcessEnv = { ...env };
  const fd = Number(env.__CILO_ENVIRON_FD);
  if (env.__CILO_ENVIRON_FD && Number.isInteger(fd) && fd > 2) {
    try {
      out = parseEnviron(readFileSync(`/proc/self/fd/${fd}`, 'utf8'));
    } finally {
      closeSync(fd);
    }
  } else {
    out = environmentAsReceived(out);
  }
  for (const m of MARKERS) delete out[m];
  const ignoredSignals = ignoredAtStart(env);
  const fds = (env.__CILO_FDS ?? '')
    .split(' ')
    .filter((f) => /^\d+$/.test(f))
    .map(Number)
    .filter((n) => n > 2);
  return { env: out, ignoredSignals, fds };
}

/**
 * The command line as bytes when Node's decoding (UTF-8) altered it, else the strings: Compose takes
 * arguments as bytes. `cmdline` is /proc/self/cmdline (node, its options, the script, the arguments).
 */
export function rawArguments(argv: readonly string[], cmdline: Buffer | undefined): (string | Buffer)[] {
  if (!cmdline) return [...argv];
  const parts: Buffer[] = [];
  for (let start = 0, i = cmdline.indexOf(0); i !== -1; start = i + 1, i = cmdline.indexOf(0, start))
    parts.push(cmdline.subarray(start, i));
  const raw = parts.slice(parts.length - argv.length);
  if (raw.length !== argv.length) return [...argv];
  return raw.some((b, i) => !b.equals(Buffer.from(argv[i]!))) ? raw : [...argv];
}
