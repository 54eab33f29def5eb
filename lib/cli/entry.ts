// Process glue for bin/cilo: the only place the manager reads process globals.
import { homedir } from 'node:os';
import { Docker } from '../docker/docker.js';
import { exitLike, processRunner } from '../docker/process.js';
import { reportError } from '../errors/index.js';
import { stderrLogger } from '../env/context.js';
import { resolveHome } from '../state/paths.js';
import { colorEnabled, palette } from './output.js';
import { main } from './main.js';

const env = process.env;
const write = (s: string) => void process.stderr.write(s);
const errPaint = palette(colorEnabled(process.stderr, env));
const ctx = {
  cwd: process.cwd(),
  env,
  home: resolveHome(env, homedir()),
  docker: new Docker(env, processRunner),
  runner: processRunner,
  log: stderrLogger('cilo', write, errPaint.yellow),
  writeStderr: write,
};
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
};
main(process.argv.slice(2), ctx, output).then(
  () => {
    process.exitCode = 0;
  },
  (err: unknown) => exitLike(reportError(err, { prog: 'cilo', debug: env.CILO_DEBUG === '1', write, paint: { error: errPaint.red, hint: errPaint.dim } })),
);
