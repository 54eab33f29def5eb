// Process glue for bin/cilo: the only place the manager reads process globals.
import { contextFromProcess, environmentAsReceived, stderrLogger } from '../context.js';
import { guardSignals, ignoredAtStart, stoppedBy } from '../docker/interruption.js';
import { exitLike } from '../docker/process.js';
import { reportError } from '../errors/index.js';
import { isDebug } from '../settings.js';
import { colorEnabled, jsonRequested, palette } from './output.js';
import { main } from './main.js';

// bin/cilo started Node without NODE_EXTRA_CA_CERTS and with a compile cache of its own: the programs cilo
// runs get the environment as cilo received it.
const ignored = ignoredAtStart(process.env);
const env = environmentAsReceived(process.env);
const write = (s: string) => void process.stderr.write(s);
const errPaint = palette(colorEnabled(process.stderr, env));
// `cilo list | head`: the reader left; stop quietly like any Unix tool instead of crashing on EPIPE.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
const output = {
  out: (s: string) => void process.stdout.write(s),
  err: write,
  json: (v: unknown) => void process.stdout.write(JSON.stringify(v, null, 2) + '\n'),
  paint: palette(colorEnabled(process.stdout, env)),
  stdio: { stdin: process.stdin, stdout: process.stdout },
};
const log = stderrLogger('cilo', write, errPaint.yellow);
const argv = process.argv.slice(2);
main(
  argv,
  ({ contextFlag }) => contextFromProcess(log, write, env, undefined, contextFlag),
  output,
  process.stdout.columns,
  () => guardSignals(write, (code) => process.exit(code), ignored),
).then(
  () => {
    process.exitCode = 0;
  },
  (err: unknown) =>
    exitLike(
      reportError(stoppedBy(err), {
        prog: 'cilo',
        debug: isDebug(env),
        write,
        paint: { error: errPaint.red, hint: errPaint.dim },
        // Asked for JSON: the error as JSON too, on stdout where the script reads (stderr keeps the text).
        json: jsonRequested(argv) ? output.json : undefined,
      }),
    ),
);
