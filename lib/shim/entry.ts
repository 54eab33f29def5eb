// Process glue for bin/cilo-compose: the only place the shim reads process globals.
import { homedir } from 'node:os';
import { Docker } from '../docker/docker.js';
import { exitLike, processRunner } from '../docker/process.js';
import { reportError } from '../errors/index.js';
import { stderrLogger } from '../env/context.js';
import { resolveHome } from '../state/paths.js';
import { shimMain } from './main.js';

const write = (s: string) => void process.stderr.write(s);
const env = process.env;
const docker = new Docker(env, processRunner);
const ctx = { cwd: process.cwd(), env, home: resolveHome(env, homedir()), docker, runner: processRunner, log: stderrLogger('cilo', write), writeStderr: write };
shimMain(process.argv.slice(2), ctx, docker).then(exitLike, (err: unknown) => {
  exitLike(reportError(err, { prog: 'cilo', debug: env.CILO_DEBUG === '1', write }));
});
