// Process glue for the cilo-compose shim: the only place the shim reads process globals. What the shell front
// handed over (the environment as it was, ignored signals, inherited descriptors) is restored first.
import { contextFromProcess, homeFromProcess, logicalCwd, stderrLogger } from '../context.js';
import { guardSignals, stoppedBy } from '../docker/interruption.js';
import { exitLike, processRunnerWith } from '../docker/process.js';
import { reportError } from '../errors/index.js';
import { isDebug } from '../settings.js';
import { readFileSync } from 'node:fs';
import { rawArguments, takeHandover } from './handover.js';
import { shimMain } from './main.js';

const { env, fds, ignoredSignals } = takeHandover(process.env);
const write = (s: string) => void process.stderr.write(s);
const log = stderrLogger('cilo', write);
const runner = processRunnerWith({ fds, ignoredSignals });
const facts = { cwd: logicalCwd(env), env, home: homeFromProcess(env), runner, warn: log.warn };
const argv = process.argv.slice(2);
const cmdline = (() => {
  try {
    return readFileSync('/proc/self/cmdline');
  } catch {
    return undefined; // no /proc: the decoded arguments
  }
})();
// A managed project: a signal before or after Compose runs undoes what cilo began (docker/interruption.ts).
const managed = () => {
  guardSignals(write, (code) => process.exit(code), ignoredSignals);
  return contextFromProcess(log, write, env, runner);
};
shimMain(argv, { ...facts, raw: rawArguments(argv, cmdline) }, managed).then(exitLike, (err: unknown) => {
  exitLike(reportError(stoppedBy(err), { prog: 'cilo', debug: isDebug(env), write }));
});
