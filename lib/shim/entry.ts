// Process glue for bin/cilo-compose: the only place the shim reads process globals.
import { contextFromProcess, homeFromProcess, stderrLogger } from '../context.js';
import { exitLike, processRunner } from '../docker/process.js';
import { reportError } from '../errors/index.js';
import { isDebug } from '../settings.js';
import { shimMain } from './main.js';

const write = (s: string) => void process.stderr.write(s);
const env = process.env;
const log = stderrLogger('cilo', write);
const facts = { cwd: process.cwd(), env, home: homeFromProcess(), runner: processRunner, warn: log.warn };
shimMain(process.argv.slice(2), facts, () => contextFromProcess(log, write)).then(exitLike, (err: unknown) => {
  exitLike(reportError(err, { prog: 'cilo', debug: isDebug(env), write }));
});
